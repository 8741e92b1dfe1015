// The example consumer from the command line; prints one JSON object.
//
//   node programs/example_client/cli.mjs request --url <rpc> --keypair <requester.json> --oracle <pubkey> --subject <pubkey>
//       requests an assessment, waits until the oracle stores it in the subject's Score, and reads it
//   node programs/example_client/cli.mjs read --url <rpc> --keypair <payer.json> --oracle <pubkey> --subject <pubkey>
//       reads the subject's Score as it is ([--max-age-s <seconds>], 3600 by default)
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import anchor from "@coral-xyz/anchor";
import { auraProgram, readScore, requestAssessment, waitForScore } from "./consumer.mjs";

const { web3 } = anchor;
const { positionals: [command], values } = parseArgs({
  allowPositionals: true,
  options: {
    url: { type: "string" }, keypair: { type: "string" }, oracle: { type: "string" }, subject: { type: "string" },
    "max-age-s": { type: "string", default: "3600" },
  },
});
for (const name of ["url", "keypair", "oracle", "subject"]) {
  if (!values[name]) throw new Error(`--${name} is required`);
}
const payer = web3.Keypair.fromSecretKey(Uint8Array.from(JSON.parse(readFileSync(String(values.keypair), "utf8"))));
const program = auraProgram(new web3.Connection(String(values.url), "confirmed"), payer);
const oracle = new web3.PublicKey(String(values.oracle));
const subject = new web3.PublicKey(String(values.subject));
const maxAgeS = Number(values["max-age-s"]);

let out;
if (command === "request") {
  const sent = await requestAssessment(program, oracle, payer, subject);
  await waitForScore(program, oracle, subject, sent.request);
  out = { request: sent.request.toBase58(), nonce: sent.nonce, fee: sent.fee, signature: sent.signature,
          reading: await readScore(program, oracle, subject, maxAgeS) };
} else if (command === "read") {
  out = await readScore(program, oracle, subject, maxAgeS);
} else {
  throw new Error(`unknown command ${JSON.stringify(command)}: request or read`);
}
console.log(JSON.stringify(out, (_, v) => (typeof v === "bigint" ? v.toString() : v)));
