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
 * Its private path (`borrowWithProof`, ExampleLender's `borrowWithProof`) decides without reading the score: the
 * borrower hands over a proof (`aura prove`'s `calldata.solana`) that its committed score is at least
 * `APPROVE_SCORE`, for the lender's scope, and the lender has the program verify it and spend its nullifier. It is
 * the only way to lend on a private assessment (requested with `request_private_assessment`), whose Score holds the
 * commitment and no score: the public path refuses one (`PrivateAssessment`), as ExampleLender does.
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

/** The tier a private assessment is stored with (score and PD 0): the Score holds the commitment, not the score
 * (docs/protocol.md, "Private assessments"). */
export const PRIVATE_TIER = 255;

/** The public path's decision on a usable Score: ExampleLender's `decide`, but never on a private assessment, whose
 * score 0 is no score: that is refused as `PrivateAssessment` (lend on a proof instead, `borrowWithProof`). */
export function decidePublic(/** @type {{ score: number, tier: number, flags: number }} */ score) {
  if (score.tier === PRIVATE_TIER) return { decision: "PrivateAssessment", maxLtvBps: 0 };
  return decide(score.score, score.flags);
}

/** The threshold the private path asks a proof for, and the loan-to-value it lends at: it never learns the score,
 * so it lends as on a score of 600. */
export const APPROVE_SCORE = 600;
export const MIN_LTV_BPS = 5000;

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
/** The requester's RequestCounter on `oracle`: its request numbers there (`nextNonce`), made by its first request. */
export const counterPda = (/** @type {AuraProgram} */ program, /** @type {web3.PublicKey} */ oracle,
                           /** @type {web3.PublicKey} */ requester) =>
  pda(program, [Buffer.from("counter"), oracle.toBuffer(), requester.toBuffer()]);
/** The requester's request number `nonce` on `oracle`. */
export const requestPda = (/** @type {AuraProgram} */ program, /** @type {web3.PublicKey} */ oracle,
                           /** @type {web3.PublicKey} */ requester, /** @type {bigint | number} */ nonce) =>
  pda(program, [Buffer.from("request"), oracle.toBuffer(), requester.toBuffer(), u64le(nonce)]);
export const scorePda = (/** @type {AuraProgram} */ program, /** @type {web3.PublicKey} */ oracle,
                         /** @type {web3.PublicKey} */ subject) =>
  pda(program, [Buffer.from("score"), oracle.toBuffer(), subject.toBuffer()]);
export const verifyingKeyPda = (/** @type {AuraProgram} */ program, /** @type {web3.PublicKey} */ oracle) =>
  pda(program, [Buffer.from("verifying_key"), oracle.toBuffer()]);
export const nullifierPda = (/** @type {AuraProgram} */ program, /** @type {web3.PublicKey} */ oracle,
                             /** @type {web3.PublicKey} */ authority, /** @type {Buffer} */ nullifier) =>
  pda(program, [Buffer.from("nullifier"), oracle.toBuffer(), authority.toBuffer(), nullifier]);
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

/** `request_assessment` of `subject` on `oracle`, or `request_private_assessment` when `isPrivate` (the same
 * arguments and accounts; the Score then holds the commitment, not the score): the requester pays the oracle's fee
 * and the request's rent (refunded at fulfilment or cancellation), and on its first request on this oracle the
 * rent of its RequestCounter (kept). The request account is the PDA of the requester's next nonce, its counter's
 * `nextNonce` (0 before the counter exists); only the requester's own requests move it, so no other requester
 * takes its nonce. */
export async function requestAssessment(/** @type {AuraProgram} */ program, /** @type {web3.PublicKey} */ oracle,
                                        /** @type {web3.Keypair} */ requester, /** @type {web3.PublicKey} */ subject,
                                        params = Buffer.alloc(0), isPrivate = false) {
  const counter = counterPda(program, oracle, requester.publicKey);
  const counted = await program.account.requestCounter.fetchNullable(counter);
  const nonce = counted ? BigInt(counted.nextNonce.toString()) : 0n;
  const { feeLamports } = await program.account.oracle.fetch(oracle);
  const request = requestPda(program, oracle, requester.publicKey, nonce);
  const method = isPrivate ? program.methods.requestPrivateAssessment : program.methods.requestAssessment;
  const tx = await method(subject, params)
    .accountsPartial({ oracle, counter, request, requester: requester.publicKey })
    .transaction();
  const signature = await sendAndPoll(program, tx, [requester]);
  return { request, nonce, fee: BigInt(feeLamports.toString()), signature };
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
 * most `maxAgeS` after it was made) and its signers still count; `decision` is the public path's on usable ones
 * (`decidePublic`: `PrivateAssessment` for a `private` one, which only the private path lends on). */
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
    private: score.tier === PRIVATE_TIER,
    request: score.request.toBase58(), assessedAt, expiry, now, fresh, threshold,
    signers: signers.map((s) => Buffer.from(s).toString("hex")), signersActive,
    ...(reason === null ? decidePublic(score) : { decision: null, maxLtvBps: 0 }),
  };
}

/** The scope a borrower proves for on the private path: the lender's authority key, its first 31 bytes read
 * big-endian (a field element), so that the lender's nullifiers are its own. */
export function privateScope(/** @type {web3.PublicKey} */ authority) {
  return BigInt(`0x${authority.toBuffer().subarray(0, 31).toString("hex")}`);
}

/** A 32-byte big-endian field element, as `verify_threshold` takes the scope and the nullifier. */
const word = (/** @type {bigint} */ n) => Buffer.from(n.toString(16).padStart(64, "0"), "hex");

/** The name of the program error a failed transaction ended with (Anchor's "Error Code: <name>" log line). */
function programError(/** @type {any} */ error) {
  const text = [error?.message ?? String(error), ...(error?.logs ?? error?.transactionLogs ?? [])].join("\n");
  const m = text.match(/Error Code: (\w+)/);
  if (!m) throw error;
  return m[1];
}

/** The private path: lend to `subject` on `proof` (hex, 256 bytes) and `nullifier` (hex, 32 bytes), both from
 * `aura prove --threshold 600 --scope <privateScope(authority)>` (`calldata.solana`), without reading the score.
 * The Score must be usable as `readScore` wants it and its flags, which are public, must let a score of 600
 * through (`decide(APPROVE_SCORE, flags)`: REJECT_FLAGS and REVIEW_FLAGS both refuse, as this path has no manual
 * review); only then is `verify_threshold` sent, with `spend` for `authority`, so a refused borrower spends
 * nothing. The program checks the proof against the subject's stored commitment and spends the nullifier: one
 * assessment gives one loan here. Approves at MIN_LTV_BPS; a refusal says why (`NullifierSpent`, `InvalidProof`,
 * ... from the program). */
export async function borrowWithProof(/** @type {AuraProgram} */ program, /** @type {web3.PublicKey} */ oracle,
                                      /** @type {web3.Keypair} */ authority, /** @type {web3.PublicKey} */ subject,
                                      /** @type {string} */ proof, /** @type {string} */ nullifier, maxAgeS = 3600) {
  const reading = await readScore(program, oracle, subject, maxAgeS);
  if (!reading.usable) return { approved: false, reason: reading.reason, maxLtvBps: 0 };
  const { decision } = decide(APPROVE_SCORE, reading.flags);
  if (decision !== "Approved") return { approved: false, reason: decision, flags: reading.flags, maxLtvBps: 0 };
  const proofBytes = Buffer.from(proof.replace(/^0x/, ""), "hex");
  const spent = Buffer.from(nullifier.replace(/^0x/, ""), "hex");
  const tx = await program.methods.verifyThreshold(
    [...proofBytes.subarray(0, 64)], [...proofBytes.subarray(64, 192)], [...proofBytes.subarray(192, 256)],
    APPROVE_SCORE, [...word(privateScope(authority.publicKey))], [...spent], true,
  )
    .accountsPartial({
      oracle, score: scorePda(program, oracle, subject), verifyingKey: verifyingKeyPda(program, oracle),
      nullifier: nullifierPda(program, oracle, authority.publicKey, spent), authority: authority.publicKey,
    })
    .remainingAccounts(reading.signers.map((s) => ({
      pubkey: enclavePda(program, oracle, Buffer.from(s, "hex")), isSigner: false, isWritable: false,
    })))
    .transaction();
  try {
    const signature = await sendAndPoll(program, tx, [authority]);
    return { approved: true, maxLtvBps: MIN_LTV_BPS, nullifier: `0x${spent.toString("hex")}`, signature };
  } catch (error) {
    return { approved: false, reason: programError(error), maxLtvBps: 0 };
  }
}
