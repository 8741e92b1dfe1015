#!/usr/bin/env node
// Builds the `aura_oracle` Move package and runs its Move unit tests: `node move/test.mjs` (from anywhere).
//
// 1. A `sui` CLI on PATH: `sui move build` and `sui move test`.
// 2. Otherwise the WASM Sui compiler and test runner (npm `@zktx.io/sui-move-builder`), with the Sui framework
//    sources (`move-stdlib/`, `sui-framework/`) read from the directory in SUI_FRAMEWORK_DIR, or, without it,
//    fetched from GitHub (each request times out after SUI_FETCH_TIMEOUT_S seconds, 20 by default).
// 3. With none of these (or AURA_SUI_OFFLINE=1 and no SUI_FRAMEWORK_DIR) it prints one line saying what is
//    missing and exits 0. A compile error or a failing test exits 1.

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PACKAGE_DIR = path.join(HERE, "aura_oracle");
const PACKAGE_FILE = /\.move$|^Move\.toml$|^Move\.lock$|^Published\.toml$/;
const FRAMEWORK_FILE = /\.move$|^Move\.toml$/;
const HOW_TO_GET =
  "install the sui CLI, or set SUI_FRAMEWORK_DIR to crates/sui-framework/packages of a MystenLabs/sui checkout";

function log(line) {
  process.stdout.write(`${line}\n`);
}

function skip(reason, howTo = HOW_TO_GET) {
  log(`move: SKIPPED, ${reason}; to run the Move tests, ${howTo}.`);
  process.exit(0);
}

function fail(summary, details) {
  if (details) process.stderr.write(`${details.trimEnd()}\n`);
  log(`move: FAILED, ${summary}`);
  process.exit(1);
}

/** The files under `dir` whose base name matches `wanted`, keyed by their path relative to `dir`. */
function readTree(dir, wanted) {
  const files = {};
  const walk = (abs, rel) => {
    for (const entry of fs.readdirSync(abs, { withFileTypes: true })) {
      if (entry.name.startsWith(".") || (rel === "" && entry.name === "build")) continue;
      const absPath = path.join(abs, entry.name);
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(absPath, relPath);
      else if (entry.isFile() && wanted.test(entry.name)) files[relPath] = fs.readFileSync(absPath, "utf8");
    }
  };
  walk(dir, "");
  return files;
}

/** "Test result: OK. Total tests: 40; passed: 40; failed: 0" -> { total, passed, failed }. */
function testCounts(output) {
  const plain = output.replace(/\x1b\[[0-9;]*m/g, "");
  const m = plain.match(/Total tests:\s*(\d+);\s*passed:\s*(\d+);\s*failed:\s*(\d+)/);
  return m ? { total: Number(m[1]), passed: Number(m[2]), failed: Number(m[3]) } : null;
}

function summary(route, counts) {
  return counts
    ? `${route}: ${counts.passed} passed, ${counts.failed} failed (of ${counts.total})`
    : `${route}: no test summary in the runner's output`;
}

function onPath(command) {
  const dirs = (process.env.PATH || "").split(path.delimiter).filter(Boolean);
  return dirs.some((dir) => {
    try {
      fs.accessSync(path.join(dir, command), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

// --- 1. The sui CLI ---

function runCli() {
  const route = "sui CLI";
  const sui = (args) => {
    const result = spawnSync("sui", args, { encoding: "utf8", maxBuffer: 64 << 20 });
    if (result.error) fail(`${route}: could not run sui (${result.error.message})`);
    return result;
  };
  const build = sui(["move", "build", "--path", PACKAGE_DIR]);
  const built = `${build.stdout}${build.stderr}`.trimEnd();
  if (build.status !== 0) fail(`${route}: sui move build`, built);
  if (built) log(built);
  const test = sui(["move", "test", "--path", PACKAGE_DIR]);
  const output = `${test.stdout}${test.stderr}`;
  const counts = testCounts(output);
  if (test.status !== 0 || !counts || counts.failed > 0) fail(summary(route, counts), output);
  log(output.trimEnd());
  log(`move: OK, ${summary(route, counts)}`);
}

// --- 2. The WASM compiler ---

async function loadBuilder() {
  try {
    return await import("@zktx.io/sui-move-builder/full");
  } catch {
    return null;
  }
}

/** Serves the framework packages the builder asks for (by git subdirectory) from `frameworkDir`. */
function localFetcher(builder, frameworkDir) {
  const packageFiles = (name) => {
    const dir = path.join(frameworkDir, name);
    if (!fs.existsSync(path.join(dir, "Move.toml"))) {
      throw new Error(`SUI_FRAMEWORK_DIR has no ${name}/Move.toml (${dir})`);
    }
    return readTree(dir, FRAMEWORK_FILE);
  };
  return new (class extends builder.MovePackageFetcher {
    async fetch(_gitUrl, _rev, subdir) {
      return packageFiles(path.basename(subdir || ""));
    }
    async fetchFile(_gitUrl, _rev, filePath) {
      const file = path.join(frameworkDir, filePath.replace(/^.*\/packages\//, ""));
      return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : null;
    }
    async fetchLocal(localPath) {
      return packageFiles(path.basename(localPath));
    }
    getResolvedSha() {
      return undefined;
    }
  })();
}

/** Gives every network request a time limit; `network.error` records the last one that failed. */
const network = { error: null };
function limitNetworkRequests(seconds) {
  const original = globalThis.fetch;
  globalThis.fetch = async (resource, init = {}) => {
    try {
      return await original(resource, { ...init, signal: AbortSignal.timeout(seconds * 1000) });
    } catch (error) {
      network.error = error?.cause?.code || error?.name || String(error);
      throw error;
    }
  };
}

async function runWasm(builder) {
  const frameworkDir = process.env.SUI_FRAMEWORK_DIR;
  if (!frameworkDir && process.env.AURA_SUI_OFFLINE === "1") {
    skip("no sui CLI on PATH, SUI_FRAMEWORK_DIR is not set and AURA_SUI_OFFLINE=1 rules out fetching the framework");
  }
  let route;
  let fetcher;
  if (frameworkDir) {
    if (!fs.existsSync(path.join(frameworkDir, "sui-framework", "Move.toml"))) {
      fail(`SUI_FRAMEWORK_DIR=${frameworkDir} has no sui-framework/Move.toml (it should hold move-stdlib/ and sui-framework/)`);
    }
    route = "WASM compiler, framework from SUI_FRAMEWORK_DIR";
    fetcher = localFetcher(builder, frameworkDir);
  } else {
    route = "WASM compiler, framework fetched from GitHub";
    fetcher = new builder.GitHubMovePackageFetcher(process.env.GITHUB_TOKEN);
  }
  const timeout = Number(process.env.SUI_FETCH_TIMEOUT_S || 20);
  const files = readTree(PACKAGE_DIR, PACKAGE_FILE);
  const input = () => ({ files: { ...files }, fetcher, silenceWarnings: false, ansiColor: false });

  await builder.initMovePackageBuilder();
  const version = await builder.getPinnedSuiVersion().catch(() => "unknown");
  route = `${route}, sui ${version}`;

  limitNetworkRequests(timeout);
  let deps;
  try {
    deps = await builder.resolveMovePackageDependencies({ ...input(), modes: ["test"] });
  } catch (error) {
    const message = String(error?.message || error);
    // The package has no dependency but the framework: failing to resolve it from GitHub means GitHub could
    // not be reached (or refused, e.g. its rate limit).
    if (!frameworkDir && (network.error || /rate limit|failed to fetch/i.test(message))) {
      const why = network.error || message.split("\n")[0];
      skip(`no sui CLI on PATH, SUI_FRAMEWORK_DIR is not set and GitHub is unreachable (${why})`);
    }
    fail(`${route}: resolving the framework`, message);
  }

  // A plain build first: it catches what test mode would hide (test-only items used by the package itself).
  const build = await builder.dumpMovePackage(input());
  if ("error" in build) fail(`${route}: build (${build.category})`, build.error);
  if (build.warnings) process.stderr.write(`${build.warnings.trimEnd()}\n`);
  log(`move: built ${build.modules.length} module(s)`);

  const test = await builder.testMovePackage({ ...input(), resolvedDependencies: deps });
  if ("error" in test) fail(`${route}: tests did not run (${test.category})`, test.error);
  const counts = testCounts(test.output);
  if (!test.passed || !counts || counts.failed > 0) fail(summary(route, counts), test.output);
  log(test.output.trimEnd());
  log(`move: OK, ${summary(route, counts)}`);
}

async function main() {
  if (onPath("sui")) return runCli();
  const builder = await loadBuilder();
  if (!builder) {
    skip(
      "no sui CLI on PATH and the WASM compiler @zktx.io/sui-move-builder is not installed",
      "install the sui CLI, or run npm install and set SUI_FRAMEWORK_DIR",
    );
  }
  return runWasm(builder);
}

main().catch((error) => fail(`unexpected error: ${error?.stack || error}`));
