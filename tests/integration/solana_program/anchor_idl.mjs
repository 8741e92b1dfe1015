// What Anchor's TypeScript client (@coral-xyz/anchor, pinned in package.json) makes of programs/aura_oracle/idl.json:
// the camelCase IDL a Program works with (the shape of the generated `AuraOracle` type), and the bytes its coders
// give for keys typed `pubkey`. Prints one JSON object.
import { readFileSync } from "node:fs";
import anchor from "@coral-xyz/anchor";

const { BorshCoder, BN, Program, AnchorProvider, Wallet, web3 } = anchor;
const idl = JSON.parse(readFileSync(process.argv[2], "utf8"));

const coder = new BorshCoder(idl);
const subject = web3.Keypair.generate().publicKey;
const data = coder.instruction.encode("request_assessment", { subject, params: Buffer.from([1, 2, 3]) });
const provider = new AnchorProvider(new web3.Connection("http://127.0.0.1:1"), new Wallet(web3.Keypair.generate()), {});
const program = new Program(idl, provider);
const oracle = web3.Keypair.generate().publicKey;
const accountData = Buffer.concat([
  Buffer.from(idl.accounts.find((a) => a.name === "Oracle").discriminator), oracle.toBuffer(),
  Buffer.from(new BN(5).toArray("le", 8)), Buffer.from(new BN(60).toArray("le", 8)),
  Buffer.from([3]), Buffer.from(new BN(900).toArray("le", 8)),
]);
const decoded = program.coder.accounts.decode("oracle", accountData);
const requester = web3.Keypair.generate().publicKey;
const counterData = Buffer.concat([
  Buffer.from(idl.accounts.find((a) => a.name === "RequestCounter").discriminator), oracle.toBuffer(),
  requester.toBuffer(), Buffer.from(new BN(7).toArray("le", 8)), Buffer.from([254]),
]);
const counter = program.coder.accounts.decode("requestCounter", counterData);

console.log(JSON.stringify({
  camel: program.idl,  // the IDL as the Program holds it: convertIdlToCamelCase of the file
  programId: program.programId.toBase58(),
  methods: Object.keys(program.methods),
  accounts: Object.keys(program.account),
  requestData: Buffer.from(data).toString("hex"),
  subject: subject.toBase58(),
  oracleAdmin: { isPublicKey: decoded.admin instanceof web3.PublicKey, base58: decoded.admin.toBase58(), expected: oracle.toBase58() },
  oracleLength: accountData.length,
  oracleFields: { feeLamports: decoded.feeLamports.toString(), requestTtlS: decoded.requestTtlS.toString(),
                  layoutVersion: decoded.layoutVersion, clusterId: decoded.clusterId.toString() },
  counter: { length: counterData.length, oracle: counter.oracle.equals(oracle),
             requester: counter.requester.equals(requester), nextNonce: counter.nextNonce.toString(), bump: counter.bump },
}));
