#!/usr/bin/env node
// Compile the circuits/ proof and run its development trusted setup with the pinned npm circom2 and snarkjs,
// writing under build/zk/ (or $AURA_BUILD_DIR/zk/):
//   threshold.r1cs, threshold.sym, threshold_js/threshold.wasm   the compiled circuit and witness calculator
//   pot<power>_final.ptau   a local powers of tau, one contribution, prepared for phase 2
//   threshold.zkey          the proving key after one phase-2 contribution (checked against the r1cs and ptau)
//   verification_key.json   the verification key, in snarkjs' JSON form
//   setup.json              constraints, power and the seconds each step took
// A single party (this machine, random entropy then forgotten) contributes to both phases: fine for development,
// never for production (README.md, "Zero-knowledge proofs", says how operators run a multi-party ceremony).
// A stamp holding the hash of the circuit sources, this script and the tool versions makes re-runs a no-op.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC_DIR = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(SRC_DIR, '..');
const BUILD_DIR = process.env.AURA_BUILD_DIR ? path.resolve(process.env.AURA_BUILD_DIR) : path.join(ROOT, 'build');
const OUT_DIR = path.join(BUILD_DIR, 'zk');
const STAMP = path.join(OUT_DIR, '.stamp');
const CIRCUIT = 'threshold';
const BIN = path.join(ROOT, 'node_modules', '.bin');
// The tools whose versions enter the stamp, pinned exactly in package.json.
const TOOLS = { circom2: '0.2.23', snarkjs: '0.7.6', circomlib: '2.0.5' };
// Every file the stamp covers must be named here or be a circuits/*.circom source.
const OUTPUTS = [
  `${CIRCUIT}.r1cs`,
  `${CIRCUIT}.sym`,
  `${CIRCUIT}_js/${CIRCUIT}.wasm`,
  `${CIRCUIT}.zkey`,
  'verification_key.json',
  'setup.json',
];

function sha256(data) {
  return crypto.createHash('sha256').update(data).digest('hex');
}

function toolVersion(name) {
  const file = path.join(ROOT, 'node_modules', name, 'package.json');
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')).version;
  } catch {
    return null;
  }
}

function run(tool, args, cwd = OUT_DIR) {
  execFileSync(path.join(BIN, tool), args, { cwd, stdio: ['ignore', 'ignore', 'inherit'] });
}

// circom2 runs in WASI with the working directory as its only preopened one: it gets paths relative to ROOT.
function fromRoot(file) {
  return path.relative(ROOT, file);
}

function timed(timings, name, step) {
  const start = process.hrtime.bigint();
  step();
  timings[name] = Number(process.hrtime.bigint() - start) / 1e9;
}

// The r1cs header (section type 1): field size, prime, wires, public outputs, public inputs, private inputs,
// labels, constraints. Groth16 needs a domain of at least constraints + public signals + 1 points.
function r1csHeader(file) {
  const data = fs.readFileSync(file);
  if (data.toString('latin1', 0, 4) !== 'r1cs') throw new Error(`${file} is not an r1cs file`);
  let offset = 12;
  const sections = data.readUInt32LE(8);
  for (let i = 0; i < sections; i++) {
    const type = data.readUInt32LE(offset);
    const size = Number(data.readBigUInt64LE(offset + 4));
    const body = offset + 12;
    if (type === 1) {
      const n8 = data.readUInt32LE(body);
      let p = body + 4 + n8;
      const wires = data.readUInt32LE(p);
      const outputs = data.readUInt32LE(p + 4);
      const publicInputs = data.readUInt32LE(p + 8);
      const constraints = data.readUInt32LE(p + 24);
      return { wires, outputs, publicInputs, constraints };
    }
    offset = body + size;
  }
  throw new Error(`${file} has no header section`);
}

function upToDate(hash) {
  try {
    if (JSON.parse(fs.readFileSync(STAMP, 'utf8')).hash !== hash) return false;
  } catch {
    return false;
  }
  return OUTPUTS.every((name) => fs.existsSync(path.join(OUT_DIR, name)));
}

function main() {
  for (const [name, pinned] of Object.entries(TOOLS)) {
    const found = toolVersion(name);
    if (found !== pinned) {
      console.error(`${name} ${found ?? 'not installed'}, ${pinned} required: run \`npm ci\``);
      return 1;
    }
  }
  const sources = fs
    .readdirSync(SRC_DIR)
    .filter((name) => name.endsWith('.circom'))
    .sort();
  const hash = sha256(
    JSON.stringify({
      tools: TOOLS,
      script: fs.readFileSync(fileURLToPath(import.meta.url), 'utf8'),
      sources: sources.map((name) => [name, sha256(fs.readFileSync(path.join(SRC_DIR, name)))]),
    }),
  );
  const shown = path.relative(process.cwd(), OUT_DIR) || '.';
  if (upToDate(hash)) {
    console.log(`zk setup up to date in ${shown}`);
    return 0;
  }

  fs.rmSync(OUT_DIR, { recursive: true, force: true });
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const timings = {};
  const entropy = () => crypto.randomBytes(32).toString('hex');

  timed(timings, 'compile_s', () =>
    run(
      'circom2',
      [
        fromRoot(path.join(SRC_DIR, `${CIRCUIT}.circom`)),
        '--O2',
        '--r1cs',
        '--wasm',
        '--sym',
        '-l',
        'node_modules',
        '-o',
        fromRoot(OUT_DIR),
      ],
      ROOT,
    ),
  );
  const header = r1csHeader(path.join(OUT_DIR, `${CIRCUIT}.r1cs`));
  const needed = header.constraints + header.publicInputs + header.outputs + 1;
  const power = Math.max(8, Math.ceil(Math.log2(needed)));

  const ptau = `pot${power}_final.ptau`;
  timed(timings, 'powers_of_tau_s', () => {
    run('snarkjs', ['powersoftau', 'new', 'bn128', String(power), 'pot_0000.ptau']);
    run('snarkjs', ['powersoftau', 'contribute', 'pot_0000.ptau', 'pot_0001.ptau', '--name=aura dev', `-e=${entropy()}`]);
  });
  timed(timings, 'prepare_phase2_s', () => run('snarkjs', ['powersoftau', 'prepare', 'phase2', 'pot_0001.ptau', ptau]));
  timed(timings, 'phase2_s', () => {
    run('snarkjs', ['groth16', 'setup', `${CIRCUIT}.r1cs`, ptau, `${CIRCUIT}_0000.zkey`]);
    run('snarkjs', ['zkey', 'contribute', `${CIRCUIT}_0000.zkey`, `${CIRCUIT}.zkey`, '--name=aura dev', `-e=${entropy()}`]);
    run('snarkjs', ['zkey', 'verify', `${CIRCUIT}.r1cs`, ptau, `${CIRCUIT}.zkey`]);
    run('snarkjs', ['zkey', 'export', 'verificationkey', `${CIRCUIT}.zkey`, 'verification_key.json']);
  });
  for (const name of ['pot_0000.ptau', 'pot_0001.ptau', `${CIRCUIT}_0000.zkey`]) fs.rmSync(path.join(OUT_DIR, name));

  const report = { circuit: CIRCUIT, constraints: header.constraints, power, ...timings };
  fs.writeFileSync(path.join(OUT_DIR, 'setup.json'), `${JSON.stringify(report, null, 2)}\n`);
  fs.writeFileSync(STAMP, `${JSON.stringify({ hash })}\n`);
  const total = Object.values(timings).reduce((a, b) => a + b, 0);
  console.log(`zk setup: ${header.constraints} constraints, 2^${power} powers of tau, ${total.toFixed(1)} s, in ${shown}`);
  return 0;
}

process.exitCode = main();
