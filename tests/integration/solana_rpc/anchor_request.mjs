// Requests an assessment with Anchor as an integrator would: `program.methods.requestAssessment(...).rpc()`
// against the endpoint on stdin's `url` (the WebSocket found where web3.js looks for it, port + 1), and listens
// for the program's `AssessmentRequested` event with `addEventListener` (logsSubscribe); `resolved` says whether
// Anchor found every account itself ("anchor") or the request was named ("named"). Input on stdin (JSON):
// url, idl (path), keypair (path to the requester's), oracle, subject. Prints a JSON object.
import { readFileSync } from "node:fs";
import anchor from "@coral-xyz/anchor";

const { AnchorProvider, Program, Wallet, web3 } = anchor;
const input = JSON.parse(readFileSync(0, "utf8"));
const connection = new web3.Connection(input.url, "confirmed");
const secret = Uint8Array.from(JSON.parse(readFileSync(input.keypair, "utf8")));
const requester = web3.Keypair.fromSecretKey(secret);
const provider = new AnchorProvider(connection, new Wallet(requester), { commitment: "confirmed" });
const program = new Program(JSON.parse(readFileSync(input.idl, "utf8")), provider);
const oracle = new web3.PublicKey(input.oracle);
const subject = new web3.PublicKey(input.subject);

let resolveEvent;
const eventSeen = new Promise((resolve) => { resolveEvent = resolve; });
const listener = program.addEventListener("assessmentRequested", (event, slot, signature) => {
  resolveEvent({ signature, slot, subject: event.subject.toBase58(), nonce: event.nonce.toString() });
});

const out = {};
try {
  // Anchor derives `request` from the requester's counter's `next_nonce`; before the requester's first request, which
  // creates the counter, there is none to read, so the client names the request (nonce 0) itself.
  const seeds = [Buffer.from("counter"), oracle.toBuffer(), requester.publicKey.toBuffer()];
  const counter = web3.PublicKey.findProgramAddressSync(seeds, program.programId)[0];
  const method = program.methods.requestAssessment(subject, Buffer.alloc(0));
  if (await program.account.requestCounter.fetchNullable(counter)) {
    out.resolved = "anchor";
    out.signature = await method.accounts({ oracle, requester: requester.publicKey }).rpc();
  } else {
    out.resolved = "named";
    const first = [Buffer.from("request"), oracle.toBuffer(), requester.publicKey.toBuffer(), Buffer.alloc(8)];
    const request = web3.PublicKey.findProgramAddressSync(first, program.programId)[0];
    out.signature = await method.accountsPartial({ oracle, requester: requester.publicKey, request }).rpc();
  }
  const status = await connection.getSignatureStatus(out.signature);
  out.confirmation = status.value?.confirmationStatus ?? null;
  out.err = status.value?.err ?? null;
  const timeout = new Promise((resolve) => setTimeout(() => resolve(null), 10000));
  out.event = await Promise.race([eventSeen, timeout]);
} catch (err) {
  out.error = `${err.constructor.name}: ${err.message}`;
} finally {
  await program.removeEventListener(listener);
}
console.log(JSON.stringify(out));
process.exit(0);
