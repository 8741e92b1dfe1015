// A consumer typed from the committed IDL and its generated type (programs/aura_oracle/) with Anchor: `tsc` checks
// that `Program<AuraOracle>` gives the Score account its fields with their types (public keys as PublicKey, u16 as
// number, i64 as BN), and that a misspelt account or field is a compile error.
import { BN, Program, type Provider } from "@coral-xyz/anchor";
import { PublicKey } from "@solana/web3.js";
import idl from "../../../programs/aura_oracle/idl.json";
import type { AuraOracle } from "../../../programs/aura_oracle/types/aura_oracle";

export function program(provider: Provider): Program<AuraOracle> {
  return new Program(idl as AuraOracle, provider);
}

export async function score(p: Program<AuraOracle>, address: PublicKey): Promise<{ score: number; expiry: BN; request: PublicKey }> {
  const s = await p.account.score.fetch(address);
  const value: number = s.score;
  const expiry: BN = s.expiry;
  const request: PublicKey = s.request;
  return { score: value, expiry, request };
}

export async function misuse(p: Program<AuraOracle>, address: PublicKey): Promise<void> {
  // @ts-expect-error: the program has no such account
  await p.account.wallet.fetch(address);
  const s = await p.account.score.fetch(address);
  // @ts-expect-error: a u16 is a number, not a string
  const bad: string = s.score;
  void bad;
}
