#!/usr/bin/env node
// Compile every .sol under contracts/ with the pinned solcjs (standard JSON) and write one artefact per
// contract to build/contracts/<ContractName>.json (or $AURA_BUILD_DIR/contracts/). A stamp file holding the
// hash of the sources, the settings, the compiler and this script makes unchanged re-runs a no-op.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const SRC_DIR = __dirname;
const BUILD_DIR = process.env.AURA_BUILD_DIR ? path.resolve(process.env.AURA_BUILD_DIR) : path.join(ROOT, 'build');
const OUT_DIR = path.join(BUILD_DIR, 'contracts');
const STAMP = path.join(OUT_DIR, '.stamp');
const SOLC_VERSION = '0.8.28';

// Chosen by measured gas (scripts/gas_report.py): viaIR saves ~3.4k gas per fulfil over the legacy pipeline
// (runs 200 or 1e6 alike); past 10,000 runs nothing more is gained, only bytecode size.
const SETTINGS = {
  optimizer: { enabled: true, runs: 10000 },
  viaIR: true,
  evmVersion: 'cancun',
};

function sha256(data) {
  return crypto.createHash('sha256').update(data).digest('hex');
}

function findSources(dir) {
  const found = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findSources(full));
    else if (entry.isFile() && entry.name.endsWith('.sol')) found.push(full);
  }
  return found.sort();
}

function sourceName(file) {
  return path.relative(ROOT, file).split(path.sep).join('/');
}

function readStamp() {
  try {
    return JSON.parse(fs.readFileSync(STAMP, 'utf8'));
  } catch {
    return null;
  }
}

function upToDate(hash) {
  const stamp = readStamp();
  if (!stamp || stamp.hash !== hash || !Array.isArray(stamp.contracts)) return false;
  return stamp.contracts.every((name) => fs.existsSync(path.join(OUT_DIR, `${name}.json`)));
}

function main() {
  const files = findSources(SRC_DIR);
  if (files.length === 0) {
    console.error(`no .sol files under ${SRC_DIR}`);
    return 1;
  }
  const sources = {};
  for (const file of files) sources[sourceName(file)] = { content: fs.readFileSync(file, 'utf8') };

  const hash = sha256(
    JSON.stringify({
      solc: SOLC_VERSION,
      settings: SETTINGS,
      script: fs.readFileSync(__filename, 'utf8'),
      sources: Object.keys(sources).map((name) => [name, sha256(sources[name].content)]),
    }),
  );
  if (upToDate(hash)) {
    console.log(`contracts up to date in ${path.relative(process.cwd(), OUT_DIR) || '.'}`);
    return 0;
  }

  const solc = require('solc');
  const version = solc.version();
  if (!version.startsWith(`${SOLC_VERSION}+`)) {
    console.error(`solcjs ${version} found, ${SOLC_VERSION} required: run \`npm ci\``);
    return 1;
  }
  const input = {
    language: 'Solidity',
    sources,
    settings: {
      ...SETTINGS,
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
    },
  };
  const findImports = (name) => {
    const full = path.resolve(ROOT, name);
    if (!full.startsWith(SRC_DIR + path.sep)) return { error: `import outside contracts/: ${name}` };
    try {
      return { contents: fs.readFileSync(full, 'utf8') };
    } catch (e) {
      return { error: `cannot read ${name}: ${e.message}` };
    }
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));

  const diagnostics = output.errors || [];
  const errors = diagnostics.filter((d) => d.severity === 'error');
  for (const d of diagnostics) console.error(d.formattedMessage || d.message);
  if (errors.length > 0) {
    console.error(`solc ${version}: ${errors.length} error(s)`);
    return 1;
  }

  const artefacts = new Map();
  for (const [source, contracts] of Object.entries(output.contracts || {})) {
    for (const [name, out] of Object.entries(contracts)) {
      if (artefacts.has(name)) {
        console.error(`contract name ${name} is defined in both ${artefacts.get(name).source} and ${source}`);
        return 1;
      }
      artefacts.set(name, {
        source,
        json: {
          contractName: name,
          abi: out.abi,
          bytecode: `0x${out.evm.bytecode.object}`,
          deployedBytecode: `0x${out.evm.deployedBytecode.object}`,
          compiler: { version, settings: SETTINGS },
        },
      });
    }
  }

  fs.mkdirSync(OUT_DIR, { recursive: true });
  fs.rmSync(STAMP, { force: true });
  for (const entry of fs.readdirSync(OUT_DIR)) {
    if (entry.endsWith('.json')) fs.rmSync(path.join(OUT_DIR, entry));
  }
  for (const [name, { json }] of artefacts) {
    fs.writeFileSync(path.join(OUT_DIR, `${name}.json`), `${JSON.stringify(json, null, 2)}\n`);
  }
  fs.writeFileSync(STAMP, `${JSON.stringify({ hash, contracts: [...artefacts.keys()].sort() })}\n`);
  console.log(`compiled ${artefacts.size} contracts from ${files.length} files with solc ${version}`);
  return 0;
}

process.exitCode = main();
