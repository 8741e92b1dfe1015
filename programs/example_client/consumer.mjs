// @ts-check
/**
 * An example consumer of the Aura oracle on Solana, with Anchor's TypeScript client (@coral-xyz/anchor 0.30+)
 * over the program's IDL (programs/aura_oracle/idl.json) and its generated type (programs/aura_oracle/types).
 *
 * It requests an assessment of a subject, waits for the oracle to store it in the subject's Score account, and
 * decides on it as ExampleLender does on EVM: only an assessment that is fresh (the cluster clock before its
 * expiry, and younger than the consumer's own maximum age) and whose signers still count (`score_status`) is
 * used; then risk flags first, the score second. docs/solana.md ("Use Aura from your client") walks through it.
 *
 * Transactions go out with `.transaction()`, `sendRawTransaction` and `getSignatureStatuses` polling, which works
 * against any JSON-RPC endpoint; `.rpc()` does the same where the endpoint also serves WebSocket subscriptions.
 */
import { readFileSync } from "node:fs";
import anchor from "@coral-xyz/anchor";

const { AnchorProvider, Program, Wallet, web3 } = anchor;

/** @typedef {import("../aura_oracle/types/aura_oracle").AuraOracle} AuraOracle */
/** @typedef {import("@coral-xyz/anchor").Program<AuraOracle>} AuraProgram */

export const IDL_PATH = new URL("../aura_oracle/idl.json", import.meta.url);
/** A Score account without its quorum tail (one signer); with a quorum, `ScoreQuorum` follows (docs/solana.md). */
export const SCORE_LEN = 314;

/** Risk flags, bit by bit (docs/protocol.md, node/scoring/flags.py). Bits never change meaning. */
export const FLAGS = [
  "NO_ACTIVITY", "NEW_WALLET", "AGE_UNKNOWN", "LIMITED_DATA", "ZERO_BALANCE", "LOW_BALANCE", "LIQUIDATED",
  "OUTSTANDING_DEBT", "HIGH_CONCENTRATION", "DORMANT", "BURST_ACTIVITY", "ANOMALOUS", "RULE_CAP",
  "UNDISCLOSED_LIABILITY", "INTENT_MISMATCH", "QUESTIONNAIRE", "CONTRACT_ACCOUNT",
];
const bit = (/** @type {string} */ name) => 1 << FLAGS.indexOf(name);
/** Flags that reject whatever the score, and flags that turn an approval into a manual review (ExampleLender). */
export const REJECT_FLAGS = bit("LIQUIDATED") | bit("UNDISCLOSED_LIABILITY");
export const REVIEW_FLAGS = bit("BURST_ACTIVITY") | bit("ANOMALOUS") | bit("INTENT_MISMATCH");

/** The names of the bits set in `flags`, lowest first (unknown bits as `BIT_<n>`). */
export function flagNames(/** @type {number} */ flags) {
  const out = [];
  for (let i = 0; i < 32; i++) if ((flags >>> i) & 1) out.push(FLAGS[i] ?? `BIT_${i}`);
  return out;
}

/** ExampleLender's rule: REJECT_FLAGS reject; then >= 800 approves at 80% LTV, 600..799 at 50% rising to 80%,
 * 450..599 is a manual review, below 450 a rejection; REVIEW_FLAGS turn an approval into a manual review. */
export function decide(/** @type {number} */ score, /** @type {number} */ flags) {
  if (flags & REJECT_FLAGS) return { decision: "Rejected", maxLtvBps: 0 };
  let result = { decision: "Rejected", maxLtvBps: 0 };
  if (score >= 800) result = { decision: "Approved", maxLtvBps: 8000 };
  else if (score >= 600) result = { decision: "Approved", maxLtvBps: 5000 + Math.floor((score - 600) * 3000 / 200) };
  else if (score >= 450) result = { decision: "ManualReview", maxLtvBps: 0 };
  if (result.decision === "Approved" && flags & REVIEW_FLAGS) return { decision: "ManualReview", maxLtvBps: 0 };
  return result;
}

/** The program at the IDL's address, signing with `payer`. */
export function auraProgram(/** @type {import("@solana/web3.js").Connection} */ connection,
                            /** @type {import("@solana/web3.js").Keypair} */ payer) {
  const idl = JSON.parse(readFileSync(IDL_PATH, "utf8"));
  const provider = new AnchorProvider(connection, new Wallet(payer), { commitment: "confirmed" });
  return /** @type {AuraProgram} */ (new Program(idl, provider));
}

// PDAs (docs/solana.md, "Accounts")
const u64le = (/** @type {bigint | number} */ n) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
};
const pda = (/** @type {AuraProgram} */ program, /** @type {Buffer[]} */ seeds) =>
  web3.PublicKey.findProgramAddressSync(seeds, program.programId)[0];
export const requestPda = (/** @type {AuraProgram} */ program, /** @type {web3.PublicKey} */ oracle,
                           /** @type {bigint | number} */ nonce) =>
  pda(program, [Buffer.from("request"), oracle.toBuffer(), u64le(nonce)]);
export const scorePda = (/** @type {AuraProgram} */ program, /** @type {web3.PublicKey} */ oracle,
                         /** @type {web3.PublicKey} */ subject) =>
  pda(program, [Buffer.from("score"), oracle.toBuffer(), subject.toBuffer()]);
export const enclavePda = (/** @type {AuraProgram} */ program, /** @type {web3.PublicKey} */ oracle,
                           /** @type {Uint8Array} */ address) =>
  pda(program, [Buffer.from("enclave"), oracle.toBuffer(), Buffer.from(address)]);

/** Sign, send and poll `getSignatureStatuses` until `confirmed`; throws with the program's logs on failure. */
export async function sendAndPoll(/** @type {AuraProgram} */ program, /** @type {web3.Transaction} */ tx,
                                  /** @type {web3.Keypair[]} */ signers, timeoutMs = 30_000) {
  const connection = program.provider.connection;
  const { blockhash } = await connection.getLatestBlockhash("confirmed");
  tx.feePayer = signers[0].publicKey;
  tx.recentBlockhash = blockhash;
  tx.sign(...signers);
  const signature = await connection.sendRawTransaction(tx.serialize(), { skipPreflight: false });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { value: [status] } = await connection.getSignatureStatuses([signature]);
    if (status && (status.confirmationStatus === "confirmed" || status.confirmationStatus === "finalized")) {
      if (status.err) {
        const sent = await connection.getTransaction(signature, { maxSupportedTransactionVersion: 0 });
        throw new Error(`${signature} failed: ${JSON.stringify(status.err)}\n${sent?.meta?.logMessages?.join("\n")}`);
      }
      return signature;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${signature} not confirmed within ${timeoutMs} ms`);
}

/** `request_assessment` of `subject` on `oracle`: the requester pays the oracle's fee and the request's rent
 * (refunded at fulfilment or cancellation). The request account is the PDA of the oracle's next nonce. */
export async function requestAssessment(/** @type {AuraProgram} */ program, /** @type {web3.PublicKey} */ oracle,
                                        /** @type {web3.Keypair} */ requester, /** @type {web3.PublicKey} */ subject,
                                        params = Buffer.alloc(0)) {
  const { nextNonce, feeLamports } = await program.account.oracle.fetch(oracle);
  const request = requestPda(program, oracle, BigInt(nextNonce.toString()));
  const tx = await program.methods.requestAssessment(subject, params)
    .accountsPartial({ oracle, request, requester: requester.publicKey })
    .transaction();
  const signature = await sendAndPoll(program, tx, [requester]);
  return { request, nonce: BigInt(nextNonce.toString()), fee: BigInt(feeLamports.toString()), signature };
}

/** Wait until the subject's Score holds the assessment of `request` (the oracle fulfilled it and it was the
 * newest: an older one fulfils the request but leaves the Score as it is). */
export async function waitForScore(/** @type {AuraProgram} */ program, /** @type {web3.PublicKey} */ oracle,
                                   /** @type {web3.PublicKey} */ subject, /** @type {web3.PublicKey} */ request,
                                   timeoutMs = 60_000) {
  const address = scorePda(program, oracle, subject);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const score = await program.account.score.fetchNullable(address);
    if (score && score.request.equals(request)) return score;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no score for request ${request.toBase58()} within ${timeoutMs} ms`);
}

/** The cluster's clock (the Clock sysvar's unix_timestamp), what the program compares expiries with. */
export async function clusterTime(/** @type {import("@solana/web3.js").Connection} */ connection) {
  const clock = await connection.getAccountInfo(web3.SYSVAR_CLOCK_PUBKEY, "confirmed");
  if (!clock) throw new Error("the cluster serves no Clock sysvar");
  return clock.data.readBigInt64LE(32);
}

/** Who signed the stored assessment and the threshold it was stored under: the quorum tail when there is one,
 * else the one `signer` at threshold 1. */
export function scoreSigners(/** @type {AuraProgram} */ program, /** @type {Buffer} */ data,
                             /** @type {{ signer: number[] }} */ score) {
  if (data.length <= SCORE_LEN) return { threshold: 1, signers: [Uint8Array.from(score.signer)] };
  const tail = program.coder.types.decode("scoreQuorum", data.subarray(SCORE_LEN));
  return { threshold: tail.threshold, signers: tail.signers.map((/** @type {number[]} */ s) => Uint8Array.from(s)) };
}

/** `score_status`, simulated: whether at least `threshold` of the signers' enclave accounts are still active. */
export async function signersCount(/** @type {AuraProgram} */ program, /** @type {web3.PublicKey} */ oracle,
                                   /** @type {web3.PublicKey} */ score, /** @type {Uint8Array[]} */ signers) {
  return await program.methods.scoreStatus()
    .accounts({ oracle, score })
    .remainingAccounts(signers.map((a) => ({ pubkey: enclavePda(program, oracle, a), isSigner: false, isWritable: false })))
    .view();
}

/** The subject's stored assessment, checked: `usable` when it is fresh (cluster time before its expiry and at
 * most `maxAgeS` after it was made) and its signers still count; `decision` is ExampleLender's on usable ones. */
export async function readScore(/** @type {AuraProgram} */ program, /** @type {web3.PublicKey} */ oracle,
                                /** @type {web3.PublicKey} */ subject, maxAgeS = 3600) {
  const address = scorePda(program, oracle, subject);
  const info = await program.provider.connection.getAccountInfo(address, "confirmed");
  if (!info) return { stored: false, usable: false, reason: "NoAssessment" };
  const score = program.coder.accounts.decode("score", info.data);
  const now = await clusterTime(program.provider.connection);
  const assessedAt = BigInt(score.assessedAt.toString());
  const expiry = BigInt(score.expiry.toString());
  const fresh = now < expiry && now - assessedAt <= BigInt(maxAgeS);
  const { threshold, signers } = scoreSigners(program, info.data, score);
  const signersActive = await signersCount(program, oracle, address, signers);
  const reason = !signersActive ? "SignerRevoked" : !fresh ? "Stale" : null;
  return {
    stored: true, usable: reason === null, reason,
    score: score.score, tier: score.tier, pdBps: score.pdBps, flags: score.flags, flagNames: flagNames(score.flags),
    request: score.request.toBase58(), assessedAt, expiry, now, fresh, threshold,
    signers: signers.map((s) => Buffer.from(s).toString("hex")), signersActive,
    ...(reason === null ? decide(score.score, score.flags) : { decision: null, maxLtvBps: 0 }),
  };
}
