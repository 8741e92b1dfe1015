// A consumer typed from the committed ABI modules (contracts/abi/) with viem: `tsc` checks that reads and event
// decoding get the Solidity types (uint16 -> number, uint64 -> bigint), and that a misspelt function or argument
// is a compile error, so the modules are `as const` ABIs and not `any`.
import { createPublicClient, decodeEventLog, http, type Address, type Hex } from "viem";
import { iAuraOracleAbi } from "../../../contracts/abi/index";

const client = createPublicClient({ transport: http("http://127.0.0.1:8545") });

export async function latest(oracle: Address, subject: Address): Promise<{ score: number; expiry: bigint; counts: boolean }> {
  const [record, counts] = await client.readContract({
    address: oracle, abi: iAuraOracleAbi, functionName: "latestAssessmentStatus", args: [subject],
  });
  const score: number = record.score;
  const expiry: bigint = record.expiry;
  const flags: number = record.flags;
  return { score: flags === 0 ? score : score, expiry, counts };
}

export function fulfilled(data: Hex, topics: [Hex, ...Hex[]]): { requestId: Hex; facts: bigint; signerCount: number } {
  const event = decodeEventLog({ abi: iAuraOracleAbi, eventName: "AssessmentFulfilled", data, topics });
  return { requestId: event.args.requestId, facts: event.args.facts, signerCount: event.args.signerCount };
}

export async function misuse(oracle: Address, subject: Address): Promise<void> {
  // @ts-expect-error: the interface has no such function
  await client.readContract({ address: oracle, abi: iAuraOracleAbi, functionName: "latestScore", args: [subject] });
  // @ts-expect-error: latestAssessment takes an address, not a number
  await client.readContract({ address: oracle, abi: iAuraOracleAbi, functionName: "latestAssessment", args: [7] });
}
