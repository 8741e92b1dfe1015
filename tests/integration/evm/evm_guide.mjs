// The snippets of docs/evm.md, run against a local anvil with viem and ethers (pinned in package.json): every
// ```js block of the guide appears verbatim below (test_evm_guide.py checks it). Two phases, each printing one JSON
// object: `request` asks for two assessments and shows a cancel refused before expiry; `read` (after the test
// fulfilled the first) reads its answer and the subject's latest assessment, then cancels the second once expired.
// Usage: node evm_guide.mjs <phase> <rpc url> <oracle> <requester key> <subject> [<request JSON> ...]
import { readFileSync } from "node:fs";
import { ethers } from "ethers";
import {
  ContractFunctionRevertedError,
  createPublicClient,
  createWalletClient,
  http,
  parseEventLogs,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";

const [phase, rpcUrl, oracle, requesterKey, subject, ...requestArgs] = process.argv.slice(2);
// contracts/abi/IAuraOracle.ts exports this array `as const`; plain JavaScript reads the JSON beside it.
const iAuraOracleAbi = JSON.parse(readFileSync(new URL("../../../contracts/abi/IAuraOracle.json", import.meta.url)));
const account = privateKeyToAccount(requesterKey);
const publicClient = createPublicClient({ chain: foundry, transport: http(rpcUrl) });
const walletClient = createWalletClient({ account, chain: foundry, transport: http(rpcUrl) });
const json = (value) => JSON.stringify(value, (_, v) => (typeof v === "bigint" ? v.toString() : v));
const fromJson = (text) => {
  const r = JSON.parse(text);
  return { ...r, fee: BigInt(r.fee), expiresAt: BigInt(r.expiresAt), blockNumber: BigInt(r.blockNumber) };
};

async function ask() {
  // --- guide: request
  const fee = await publicClient.readContract({ address: oracle, abi: iAuraOracleAbi, functionName: "fee" });
  const hash = await walletClient.writeContract({
    address: oracle, abi: iAuraOracleAbi, functionName: "requestAssessment", args: [subject, "0x"], value: fee,
  });
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  const [requested] = parseEventLogs({ abi: iAuraOracleAbi, eventName: "AssessmentRequested", logs: receipt.logs });
  const request = {
    id: requested.args.requestId,
    requester: requested.args.requester,
    subject: requested.args.subject,
    fee: requested.args.fee,
    expiresAt: requested.args.expiresAt,
    blockNumber: requested.blockNumber, // the block the assessment is computed at
  };
  // --- end
  return request;
}

async function cancelOrExplain(req) {
  // --- guide: cancel
  try {
    const { request: call } = await publicClient.simulateContract({
      account, address: oracle, abi: iAuraOracleAbi, functionName: "cancel", args: [req],
    });
    await publicClient.waitForTransactionReceipt({ hash: await walletClient.writeContract(call) });
    return "cancelled";
  } catch (e) {
    const revert = e.walk((err) => err instanceof ContractFunctionRevertedError);
    if (!revert) throw e;
    return `${revert.data.errorName}(${revert.data.args.join(", ")})`; // e.g. NotExpired(expiresAt)
  }
  // --- end
}

async function requestPhase() {
  const first = await ask();
  const second = await ask();
  const refused = await cancelOrExplain(second);
  return { first, second, refused };
}

async function readPhase(first, second) {
  const request = first;
  // --- guide: read the answer
  const [fulfilled] = await publicClient.getContractEvents({
    address: oracle, abi: iAuraOracleAbi, eventName: "AssessmentFulfilled",
    args: { requestId: request.id }, fromBlock: request.blockNumber,
  });
  const { facts, measurement, commitment, signer, signerCount, callback } = fulfilled.args;
  // callback: 0 None (no callback made), 1 Succeeded, 2 Reverted
  // facts: the signed small fields in one word, from the lowest bits up
  const bits = (shift, width) => (facts >> BigInt(shift)) & ((1n << BigInt(width)) - 1n);
  const score = Number(bits(0, 16));
  const tier = Number(bits(16, 8));
  const pdBps = Number(bits(24, 16));
  const flags = Number(bits(40, 32));
  const timestamp = bits(72, 64); // unix seconds: the pinned block's time
  const expiry = bits(136, 64); // unix seconds: the end of its validity
  // --- end
  const answer = { score, tier, pdBps, flags, timestamp, expiry, signer, signerCount, callback, measurement, commitment };

  // --- guide: use the latest assessment
  const MAX_AGE = 3600n; // seconds: how old the scored state may be for this use
  const REJECT_FLAGS = (1 << 6) | (1 << 13); // LIQUIDATED, UNDISCLOSED_LIABILITY (docs/protocol.md)
  const [record, counts] = await publicClient.readContract({
    address: oracle, abi: iAuraOracleAbi, functionName: "latestAssessmentStatus", args: [subject],
  });
  const { timestamp: now } = await publicClient.getBlock();
  const usable = record.exists && counts // its signer(s) still active
    && now - record.timestamp <= MAX_AGE && now <= record.expiry // fresh, and not past its expiry
    && (record.flags & REJECT_FLAGS) === 0;
  // --- end
  const latest = { usable, score: record.score, flags: record.flags, signer: record.signer, counts };

  // The second request expires: move the chain past it (anvil only), then rebuild it from its log and cancel it.
  await publicClient.request({ method: "evm_setNextBlockTimestamp", params: [`0x${(second.expiresAt + 1n).toString(16)}`] });
  await publicClient.request({ method: "evm_mine", params: [] });
  const requestId = second.id;
  const fromBlock = first.blockNumber;
  // --- guide: rebuild a request
  const [log] = await publicClient.getContractEvents({
    address: oracle, abi: iAuraOracleAbi, eventName: "AssessmentRequested", args: { requestId }, fromBlock,
  });
  const req = {
    id: log.args.requestId,
    requester: log.args.requester,
    subject: log.args.subject,
    fee: log.args.fee,
    expiresAt: log.args.expiresAt,
    blockNumber: log.blockNumber,
  };
  const pending = await publicClient.readContract({
    address: oracle, abi: iAuraOracleAbi, functionName: "isRequestPending", args: [req],
  });
  // --- end
  // --- guide: rebuild a request with ethers
  const provider = new ethers.JsonRpcProvider(rpcUrl);
  const contract = new ethers.Contract(oracle, iAuraOracleAbi, provider);
  const [event] = await contract.queryFilter(contract.filters.AssessmentRequested(requestId), fromBlock);
  const ethersReq = {
    id: event.args.requestId,
    requester: event.args.requester,
    subject: event.args.subject,
    fee: event.args.fee,
    expiresAt: event.args.expiresAt,
    blockNumber: event.blockNumber,
  };
  const ethersPending = await contract.isRequestPending(ethersReq);
  // --- end
  provider.destroy();
  const cancelled = await cancelOrExplain(req);
  const status = await publicClient.readContract({
    address: oracle, abi: iAuraOracleAbi, functionName: "requestStatus", args: [req.id],
  });
  return { answer, latest, rebuilt: req, pending, ethersReq, ethersPending, cancelled, status };
}

const out = phase === "request" ? await requestPhase() : await readPhase(...requestArgs.map(fromJson));
console.log(json(out));
