// The example consumer from the command line; prints one JSON object.
//
//   node programs/example_client/cli.mjs request --url <rpc> --keypair <requester.json> --oracle <pubkey> --subject <pubkey>
//       [--private]
//       requests an assessment (a private one with --private), waits until the oracle stores it in the subject's
//       Score, and reads it
//   node programs/example_client/cli.mjs read --url <rpc> --keypair <payer.json> --oracle <pubkey> --subject <pubkey>
//       reads the subject's Score as it is ([--max-age-s <seconds>], 3600 by default)
//   node programs/example_client/cli.mjs borrow-private --url <rpc> --keypair <lender.json> --oracle <pubkey>
//       --subject <pubkey> --proof <hex> --nullifier <hex>
//       the private path: lends on the subject's proof (`aura prove`'s calldata.solana) for threshold 600 and the
//       lender's scope (`scope` prints it), spending the nullifier for the lender's key
//   node programs/example_client/cli.mjs scope --url <rpc> --keypair <lender.json> --oracle <pubkey> --subject <pubkey>
//       the scope a borrower proves for (`aura prove --scope`)
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import anchor from "@coral-xyz/anchor";
import { auraProgram, borrowWithProof, privateScope, readScore, requestAssessment, waitForScore } from "./consumer.mjs";

const { web3 } = anchor;
const { positionals: [command], values } = parseArgs({
  allowPositionals: true,
  options: {
    url: { type: "string" }, keypair: { type: "string" }, oracle: { type: "string" }, subject: { type: "string" },
    "max-age-s": { type: "string", default: "3600" }, proof: { type: "string" }, nullifier: { type: "string" },
    private: { type: "boolean", default: false },
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
  const sent = await requestAssessment(program, oracle, payer, subject, Buffer.alloc(0), Boolean(values.private));
  await waitForScore(program, oracle, subject, sent.request);
  out = { request: sent.request.toBase58(), nonce: sent.nonce, fee: sent.fee, signature: sent.signature,
          reading: await readScore(program, oracle, subject, maxAgeS) };
} else if (command === "read") {
  out = await readScore(program, oracle, subject, maxAgeS);
} else if (command === "borrow-private") {
  if (!values.proof || !values.nullifier) throw new Error("--proof and --nullifier are required");
  out = await borrowWithProof(program, oracle, payer, subject, values.proof, values.nullifier, maxAgeS);
} else if (command === "scope") {
  out = { scope: privateScope(payer.publicKey) };
} else {
  throw new Error(`unknown command ${JSON.stringify(command)}: request, read, borrow-private or scope`);
}
console.log(JSON.stringify(out, (_, v) => (typeof v === "bigint" ? v.toString() : v)));
