#!/usr/bin/env node
// Builds every Move package under move/ (each directory with a Move.toml: `aura_oracle`, and `example_lender`,
// which depends on it by a local path) and runs its Move unit tests: `node move/test.mjs` (from anywhere), or
// only the packages named: `node move/test.mjs example_lender`.
//
// First, offline, it checks that every snippet of docs/sui.md marked `<!-- snippet: <path> -->` is, word for word,
// part of the file it names (the integrator's guide quotes `example_lender`, which the tests run).
//
// 1. A `sui` CLI on PATH: `sui move build` and `sui move test`.
// 2. Otherwise the WASM Sui compiler and test runner (npm `@zktx.io/sui-move-builder`), with the Sui framework
//    sources (`move-stdlib/`, `sui-framework/`) read from the directory in SUI_FRAMEWORK_DIR, or, without it,
//    fetched from GitHub (each request times out after SUI_FETCH_TIMEOUT_S seconds, 20 by default).
// 3. With none of these (or AURA_SUI_OFFLINE=1 and no SUI_FRAMEWORK_DIR) it prints one line saying what is
//    missing and exits 0. A compile error or a failing test exits 1, at the first package that has one.

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(HERE);
const GUIDE = path.join(ROOT, "docs", "sui.md");
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

/** The Move packages under move/ (each directory with a Move.toml): those named on the command line, or all. */
function packageDirs() {
  const all = fs
    .readdirSync(HERE, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(HERE, entry.name, "Move.toml")))
    .map((entry) => entry.name)
    .sort();
  const named = process.argv.slice(2);
  const unknown = named.filter((name) => !all.includes(name));
  if (unknown.length > 0) fail(`no Move package ${unknown.join(", ")} under move/ (there are: ${all.join(", ")})`);
  return (named.length > 0 ? all.filter((name) => named.includes(name)) : all).map((name) => path.join(HERE, name));
}

/** What a package gives a package that depends on it: its manifest and `sources/` (not its tests). */
function dependencyFiles(dir) {
  const files = readTree(dir, PACKAGE_FILE);
  return Object.fromEntries(
    Object.entries(files).filter(([rel]) => rel === "Move.toml" || rel.startsWith("sources/")),
  );
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

/** The counts of all packages, for the last line. */
function addCounts(total, counts) {
  return {
    total: total.total + counts.total,
    passed: total.passed + counts.passed,
    failed: total.failed + counts.failed,
  };
}

function finalSummary(route, packages, counts) {
  return `move: OK, ${summary(`${route}, ${packages} package(s)`, counts)}`;
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

// --- The guide's snippets ---

/** The snippets of `guideText`: `<!-- snippet: <path> -->` then a fenced block, as { file, line, code }. */
function guideSnippets(guideText) {
  const snippets = [];
  const marker = /^<!-- snippet: (\S+) -->\n\n?```[a-z]*\n([\s\S]*?)^```$/gm;
  for (const m of guideText.matchAll(marker)) {
    const line = guideText.slice(0, m.index).split("\n").length;
    snippets.push({ file: m[1], line, code: m[2] });
  }
  return snippets;
}

/** Fails unless each snippet of the guide is part of the file it names; silent when all are. */
function checkGuideSnippets() {
  const guide = path.relative(ROOT, GUIDE);
  const text = fs.readFileSync(GUIDE, "utf8");
  const snippets = guideSnippets(text);
  const markers = (text.match(/^<!-- snippet: /gm) || []).length;
  if (markers !== snippets.length) {
    fail(`${guide}: ${markers - snippets.length} snippet marker(s) not followed by a code block`);
  }
  const stale = snippets.filter(({ file, code }) => {
    const source = path.join(ROOT, file);
    return !fs.existsSync(source) || !fs.readFileSync(source, "utf8").includes(code);
  });
  if (stale.length > 0) {
    fail(`${guide}: ${stale.map(({ file, line }) => `line ${line} is not in ${file}`).join("; ")}`);
  }
}

// --- 1. The sui CLI ---

function runCli() {
  const route = "sui CLI";
  const sui = (args) => {
    const result = spawnSync("sui", args, { encoding: "utf8", maxBuffer: 64 << 20 });
    if (result.error) fail(`${route}: could not run sui (${result.error.message})`);
    return result;
  };
  const dirs = packageDirs();
  let total = { total: 0, passed: 0, failed: 0 };
  for (const dir of dirs) {
    const name = path.basename(dir);
    const build = sui(["move", "build", "--path", dir]);
    const built = `${build.stdout}${build.stderr}`.trimEnd();
    if (build.status !== 0) fail(`${route}: ${name}: sui move build`, built);
    if (built) log(built);
    const test = sui(["move", "test", "--path", dir]);
    const output = `${test.stdout}${test.stderr}`;
    const counts = testCounts(output);
    if (test.status !== 0 || !counts || counts.failed > 0) fail(summary(`${route}: ${name}`, counts), output);
    log(output.trimEnd());
    log(`move: ${name}: ${counts.passed} passed`);
    total = addCounts(total, counts);
  }
  log(finalSummary(route, dirs.length, total));
}

// --- 2. The WASM compiler ---

async function loadBuilder() {
  try {
    return await import("@zktx.io/sui-move-builder/full");
  } catch {
    return null;
  }
}

/**
 * A local dependency (`{ local = "../aura_oracle" }`) of the package in `packageDir`: another package under move/,
 * or null when the path leads elsewhere.
 */
function localPackage(packageDir, localPath) {
  const dir = path.resolve(packageDir, localPath);
  if (!dir.startsWith(`${HERE}${path.sep}`) || !fs.existsSync(path.join(dir, "Move.toml"))) return null;
  return dependencyFiles(dir);
}

/** GitHub's fetcher for the framework, serving the local dependencies of the package in its `packageDir`. */
function gitHubFetcher(builder) {
  return new (class extends builder.GitHubMovePackageFetcher {
    packageDir = HERE;
    async fetchLocal(localPath) {
      const files = localPackage(this.packageDir, localPath);
      if (!files) throw new Error(`no Move package at ${localPath} (from ${this.packageDir})`);
      return files;
    }
  })(process.env.GITHUB_TOKEN);
}

/**
 * Serves the framework packages the builder asks for (by git subdirectory) from `frameworkDir`, and the local
 * dependencies of the package in its `packageDir` (set before each package is built).
 */
function localFetcher(builder, frameworkDir) {
  const packageFiles = (name) => {
    const dir = path.join(frameworkDir, name);
    if (!fs.existsSync(path.join(dir, "Move.toml"))) {
      throw new Error(`SUI_FRAMEWORK_DIR has no ${name}/Move.toml (${dir})`);
    }
    return readTree(dir, FRAMEWORK_FILE);
  };
  return new (class extends builder.MovePackageFetcher {
    packageDir = HERE;
    async fetch(_gitUrl, _rev, subdir) {
      return packageFiles(path.basename(subdir || ""));
    }
    async fetchFile(_gitUrl, _rev, filePath) {
      const file = path.join(frameworkDir, filePath.replace(/^.*\/packages\//, ""));
      return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : null;
    }
    async fetchLocal(localPath) {
      return localPackage(this.packageDir, localPath) ?? packageFiles(path.basename(localPath));
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
    fetcher = gitHubFetcher(builder);
  }
  const timeout = Number(process.env.SUI_FETCH_TIMEOUT_S || 20);

  await builder.initMovePackageBuilder();
  const version = await builder.getPinnedSuiVersion().catch(() => "unknown");
  route = `${route}, sui ${version}`;
  limitNetworkRequests(timeout);

  const dirs = packageDirs();
  let total = { total: 0, passed: 0, failed: 0 };
  for (const dir of dirs) {
    const name = path.basename(dir);
    fetcher.packageDir = dir;
    const files = readTree(dir, PACKAGE_FILE);
    const input = () => ({ files: { ...files }, fetcher, silenceWarnings: false, ansiColor: false });

    let deps;
    try {
      deps = await builder.resolveMovePackageDependencies({ ...input(), modes: ["test"] });
    } catch (error) {
      const message = String(error?.message || error);
      // The packages depend on nothing but the framework and each other: failing to resolve the framework from
      // GitHub means GitHub could not be reached (or refused, e.g. its rate limit).
      if (!frameworkDir && (network.error || /rate limit|failed to fetch/i.test(message))) {
        const why = network.error || message.split("\n")[0];
        skip(`no sui CLI on PATH, SUI_FRAMEWORK_DIR is not set and GitHub is unreachable (${why})`);
      }
      fail(`${route}: ${name}: resolving the dependencies`, message);
    }

    // A plain build first: it catches what test mode would hide (test-only items used by the package itself).
    const build = await builder.dumpMovePackage(input());
    if ("error" in build) fail(`${route}: ${name}: build (${build.category})`, build.error);
    if (build.warnings) process.stderr.write(`${build.warnings.trimEnd()}\n`);
    log(`move: ${name}: built ${build.modules.length} module(s)`);

    const test = await builder.testMovePackage({ ...input(), resolvedDependencies: deps });
    if ("error" in test) fail(`${route}: ${name}: tests did not run (${test.category})`, test.error);
    const counts = testCounts(test.output);
    if (!test.passed || !counts || counts.failed > 0) fail(summary(`${route}: ${name}`, counts), test.output);
    log(test.output.trimEnd());
    log(`move: ${name}: ${counts.passed} passed`);
    total = addCounts(total, counts);
  }
  log(finalSummary(route, dirs.length, total));
}

async function main() {
  checkGuideSnippets();
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
