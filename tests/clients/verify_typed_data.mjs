// Recovers the signer of each signed assessment on stdin (a JSON list of the node's results: `typed_data`,
// `typed_data_ethers`, `signature`) with the clients integrators use: ethers 6 from its form, viem 2 from both
// forms; and records what ethers says when handed the eth_signTypedData_v4 form as is. Prints a JSON list.
import { readFileSync } from "node:fs";
import { verifyTypedData } from "ethers";
import { recoverTypedDataAddress } from "viem";

const results = [];
for (const signed of JSON.parse(readFileSync(0, "utf8"))) {
  const v4 = signed.typed_data;
  const e = signed.typed_data_ethers;
  const out = {
    ethers: verifyTypedData(e.domain, e.types, e.message, signed.signature),
    viem_v4: await recoverTypedDataAddress({ ...v4, signature: signed.signature }),
    viem_ethers: await recoverTypedDataAddress({ ...e, primaryType: v4.primaryType, signature: signed.signature }),
  };
  try {
    verifyTypedData(v4.domain, v4.types, v4.message, signed.signature);
    out.ethers_v4_error = null;
  } catch (err) {
    out.ethers_v4_error = err.shortMessage ?? err.message;
  }
  results.push(out);
}
console.log(JSON.stringify(results));
