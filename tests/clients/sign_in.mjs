// A Sign-In with Ethereum message as a dapp writes it with viem (createSiweMessage) and a wallet signs it
// (personal_sign through viem's local account). Reads one JSON object on stdin, prints {message, signature}.
import { createSiweMessage } from "viem/siwe";
import { privateKeyToAccount } from "viem/accounts";

const input = JSON.parse(await new Promise((resolve) => {
  let text = "";
  process.stdin.on("data", (chunk) => { text += chunk; });
  process.stdin.on("end", () => resolve(text));
}));
const account = privateKeyToAccount(input.privateKey);
const message = createSiweMessage({
  domain: input.domain,
  address: account.address,
  statement: input.statement,
  uri: input.uri,
  version: "1",
  chainId: input.chainId,
  nonce: input.nonce,
  issuedAt: new Date(input.issuedAt * 1000),
  expirationTime: new Date(input.expirationTime * 1000),
  requestId: input.requestId,
});
const signature = await account.signMessage({ message });
process.stdout.write(JSON.stringify({ message, signature }));
