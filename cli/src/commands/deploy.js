// `unkey deploy <path|url>`: Unkey's deploy flow (spec §5.4) for Workers. Where Unkey takes a
// Docker image this takes a directory with a wrangler config or one .js/.ts entry file (bundled
// by wrangler, uploaded as a code deployment), or an http(s) URL (a URL upstream).
import { Option } from "commander";
import { spawnSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { resolveSettings } from "../config.js";
import { CliError } from "../errors.js";
import { callApi } from "../http.js";
import { apiError, print } from "../output.js";
import { addConnectionOptions } from "./api.js";
import { buildBundle, bundleSha256, parseEnvFile } from "../deployBundle.js";

const POLL_MS = 2000;
const DEPLOY_TIMEOUT_MS = 5 * 60 * 1000;

function git(cwd, args) {
  const r = spawnSync("git", args, { cwd, encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : null;
}

function gitInfo(cwd) {
  const sha = git(cwd, ["rev-parse", "HEAD"]);
  if (!sha) return {};
  return {
    sha,
    branch: git(cwd, ["rev-parse", "--abbrev-ref", "HEAD"]) ?? undefined,
    message: git(cwd, ["log", "-1", "--format=%s"]) ?? undefined,
    dirty: (git(cwd, ["status", "--porcelain"]) ?? "") !== "",
  };
}

export function registerDeploy(program) {
  const cmd = program
    .command("deploy")
    .summary("deploy a Worker (or an origin URL) and wait until it is ready")
    .description(
      [
        "Deploys an app to an environment and waits until it serves through the Sentinel.",
        "<source> is a directory with wrangler.toml / wrangler.jsonc, or one .js/.ts entry file: it is bundled",
        "with wrangler (under Node 22) and runs at the edge as a code deployment; its [vars] become the",
        "environment's variables. An http(s):// URL deploys a URL upstream instead. A missing project or app is",
        "created. Polls deploy.getDeployment every 2 s for up to 5 minutes; exit 1 when the deployment fails.",
      ].join("\n"),
    )
    .argument("<source>", "directory with a wrangler config, a .js/.ts entry file, or an http(s) URL")
    .addOption(new Option("--project <slug>", "project slug (created when missing)").env("UNKEY_PROJECT"))
    .addOption(new Option("--app <slug>", "app slug (created when missing)").env("UNKEY_APP").default("default"))
    .addOption(new Option("--env <slug>", "environment: production or preview").default("preview"))
    .addOption(new Option("--branch <name>", "git branch recorded with the deployment (default: the repository's branch, else main)"))
    .addOption(new Option("--commit <sha>", "git commit recorded with the deployment (default: git HEAD)"))
    .addOption(new Option("--keyspace-id <id>", "keyspace (or API) the app verifies keys against").env("UNKEY_KEYSPACE_ID"))
    .addOption(new Option("--env-file <path>", "KEY=VALUE file: variables set before deploying (they win over [vars])"))
    .addHelpText(
      "after",
      "\nExamples:\n  $ unkey deploy examples/hello-worker --project demo --env production\n  $ unkey deploy src/worker.ts --project demo --env-file .env\n  $ unkey deploy https://origin.example.com --project demo",
    );
  addConnectionOptions(cmd);
  cmd.action(async (source, opts) => {
    const settings = resolveSettings(opts);
    if (!opts.project) throw new CliError("--project is required (or set UNKEY_PROJECT)");
    const rootKey = settings.rootKey();
    const call = (operationId, body, onUploadProgress) =>
      callApi({ apiUrl: settings.apiUrl, operationId, body, token: rootKey, timeoutMs: 120_000, onUploadProgress });
    const must = async (operationId, body) => {
      const r = await call(operationId, body);
      if (r.status >= 300) throw apiError(r);
      return r.body.data;
    };

    const isUrl = /^https?:\/\//i.test(source);
    const dir = isUrl ? process.cwd() : statSafeDir(source);
    const g = gitInfo(dir);
    const branch = opts.branch ?? g.branch ?? "main";
    const commit = opts.commit ?? g.sha;
    print(`Source: ${isUrl ? source : path.resolve(source)}`);
    print(`Branch: ${branch}${commit ? `  Commit: ${commit.slice(0, 7)}${g.dirty && !opts.commit ? " (dirty)" : ""}` : ""}`);

    // build first: a broken bundle should not create anything
    /** @type {any} the built bundle (undefined for an image URL) */
    let bundle;
    let vars = {};
    if (!isUrl) {
      const built = buildBundle(source, print);
      bundle = built.bundle;
      vars = built.vars;
    }
    if (opts.envFile) {
      let text;
      try {
        text = readFileSync(opts.envFile, "utf8");
      } catch (/** @type {any} */ err) {
        throw new CliError(`cannot read --env-file ${opts.envFile}: ${err.message}`);
      }
      vars = { ...vars, ...parseEnvFile(text) };
    }

    // project and app, created when missing
    const project = await call("projects.getProject", { project: opts.project });
    if (project.status === 404) {
      await must("projects.createProject", { name: opts.project, slug: opts.project });
      print(`Created project ${opts.project}`);
    } else if (project.status >= 300) throw apiError(project);
    const app = await call("apps.getApp", { project: opts.project, app: opts.app });
    if (app.status === 404) {
      await must("apps.createApp", { project: opts.project, name: opts.app, slug: opts.app });
      print(`Created app ${opts.app} (environments production and preview)`);
    } else if (app.status >= 300) throw apiError(app);

    const keys = Object.keys(vars);
    if (keys.length) {
      const empty = keys.filter((k) => vars[k] === "");
      if (empty.length) throw new CliError(`variables need a value: ${empty.join(", ")}`);
      await must("environments.setEnvironmentVariables", {
        project: opts.project,
        app: opts.app,
        environment: opts.env,
        variables: keys.map((key) => ({ key, value: vars[key] })),
      });
      print(`Set ${keys.length} variable(s): ${keys.join(", ")}`);
    }

    const base = {
      project: opts.project,
      app: opts.app,
      branch,
      environmentSlug: opts.env,
      ...(opts.keyspaceId ? { keyspaceId: opts.keyspaceId } : {}),
      ...(commit ? { gitCommit: { commitSha: commit, ...(g.message && !opts.commit ? { commitMessage: g.message } : {}) } } : {}),
    };
    let created;
    if (isUrl) created = await call("deploy.createDeployment", { ...base, dockerImage: source });
    else {
      const { sha256, bytes } = bundleSha256(bundle);
      // an identical bundle is already stored: nothing to upload
      created = await call("deploy.createDeployment", { ...base, bundleSha256: sha256 });
      if (created.status === 404 && String(created.body?.error?.type ?? "").includes("bundle_not_found")) {
        print(`Uploading bundle ${sha256.slice(0, 12)} (${formatBytes(bytes)}, ${bundle.modules.length} module(s))…`);
        const started = Date.now();
        // progress for large bundles: a line per quarter sent
        let shown = 0;
        const progress =
          bytes > 1024 * 1024
            ? (sent, total) => {
                const pct = Math.floor((sent / total) * 4) * 25;
                if (pct > shown) print(`  uploaded ${pct}% (${formatBytes(sent)} of ${formatBytes(total)})`), (shown = pct);
              }
            : undefined;
        created = await call("deploy.createDeployment", { ...base, bundle }, progress);
        if (created.status < 300) print(`Uploaded in ${((Date.now() - started) / 1000).toFixed(1)}s`);
      } else if (created.status < 300) print(`Bundle ${sha256.slice(0, 12)} already uploaded`);
    }
    if (created.status >= 300) throw apiError(created);
    const deploymentId = created.body.data.deploymentId;
    print(`Deployment ${deploymentId} created`);

    const deadline = Date.now() + DEPLOY_TIMEOUT_MS;
    let last = "";
    for (;;) {
      const d = await must("deploy.getDeployment", { deploymentId });
      if (d.status !== last) {
        print(`Status: ${titleCase(d.status)}`);
        last = d.status;
      }
      if (d.status === "READY") {
        print(`Deployment: ${deploymentId}`);
        print(`Environment: ${opts.env}`);
        for (const h of d.hostnames ?? []) print(`  ${/(^|\.)localhost(:|$)/.test(h) ? "http" : "https"}://${h}`);
        return;
      }
      if (d.status === "FAILED") {
        const msg = d.errorMessage ?? d.steps?.find((s) => s.errorMessage)?.errorMessage ?? "Unknown deployment error";
        throw new CliError(`deployment failed: ${msg}`, { lines: [`Deployment ${deploymentId} failed: ${msg}`] });
      }
      if (Date.now() > deadline) throw new CliError("deployment timeout after 5 minutes");
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  });
}

function statSafeDir(source) {
  try {
    const abs = path.resolve(source);
    return statSync(abs).isDirectory() ? abs : path.dirname(abs);
  } catch {
    throw new CliError(`${source} does not exist (give a directory with a wrangler config, a .js/.ts file, or an http(s) URL)`);
  }
}

const titleCase = (s) => s.charAt(0) + s.slice(1).toLowerCase();
const formatBytes = (n) => (n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`);
