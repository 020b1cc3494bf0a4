//! The deploy files agree with the README and with the code they build: the container builds with the README's
//! command, on a Rust image no older than the workspace's `rust-version`, which in turn is no older than what every
//! locked dependency needs; and the files pass `deploy/lint.sh` (hadolint, docker-compose config, yamllint,
//! kubernetes-validate, systemd-analyze — no container engine runs on these machines).

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn version(v: &str) -> Vec<u64> {
    v.trim()
        .split('.')
        .map(|p| p.parse().unwrap_or_else(|_| panic!("not a version: {v:?}")))
        .collect()
}

/// The workspace's `cargo metadata` (every platform's packages, the resolved graph). Not `--offline`: a Linux build
/// never downloads the Windows or Android packages it lists, so on a fresh machine cargo fetches what it reads.
fn metadata() -> serde_json::Value {
    let out = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(root())
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("metadata JSON")
}

#[test]
fn dockerfile_and_compose_build_with_the_readme_commands() {
    let readme = read("README.md");
    let docker = read("deploy/Dockerfile");
    let compose = read("deploy/docker-compose.yml");
    let builds: Vec<&str> = docker
        .lines()
        .filter_map(|l| l.trim().strip_prefix("RUN "))
        .filter(|l| l.contains("cargo build"))
        .collect();
    assert_eq!(
        builds.len(),
        1,
        "one cargo build in the Dockerfile: {builds:?}"
    );
    assert!(
        readme.contains(builds[0].trim()),
        "the README shows the Dockerfile's build command {:?}",
        builds[0]
    );
    let image_build = "docker build -f deploy/Dockerfile -t b24a-server .";
    assert!(docker.contains(image_build) && readme.contains(image_build));
    assert!(compose.contains("dockerfile: deploy/Dockerfile") && compose.contains("context: .."));
    // The test command of the README is the one .ci/run runs.
    let ci = read(".ci/run");
    let test_cmd = "cargo test --workspace --locked --no-fail-fast";
    assert!(readme.contains(test_cmd));
    assert_eq!(ci.lines().filter(|l| l.trim() == test_cmd).count(), 1);
}

#[test]
fn the_build_image_is_new_enough_for_every_locked_dependency() {
    let manifest = read("Cargo.toml");
    let workspace_min = manifest
        .lines()
        .find_map(|l| l.trim().strip_prefix("rust-version = "))
        .map(|v| v.trim_matches('"').to_string())
        .expect("workspace rust-version");
    let docker = read("deploy/Dockerfile");
    let image = docker
        .lines()
        .find_map(|l| l.trim().strip_prefix("FROM rust:"))
        .and_then(|l| l.split('-').next())
        .expect("a rust build image");
    assert_eq!(
        version(image),
        version(&workspace_min),
        "the build image is the workspace's rust-version"
    );
    let meta = metadata();
    let too_new: Vec<String> = meta["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .filter_map(|p| {
            let need = p["rust_version"].as_str()?;
            (version(need) > version(&workspace_min))
                .then(|| format!("{} {} needs {need}", p["name"], p["version"]))
        })
        .collect();
    assert!(
        too_new.is_empty(),
        "rust-version {workspace_min} is older than locked dependencies need: {too_new:?}"
    );
}

#[test]
fn deploy_files_pass_the_linters() {
    // Tools come from PyPI into a cache under $HOME (see the script); Debian's python3 with venv is on the machines.
    let out = Command::new("bash")
        .arg(root().join("deploy/lint.sh"))
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "deploy/lint.sh failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_production_server_does_not_link_the_emulator() {
    // The demo lives in its own crate so that the emulator never enters the server's (and the image's) build.
    let meta = metadata();
    let nodes = meta["resolve"]["nodes"].as_array().expect("resolve nodes");
    let name_of = |id: &str| {
        meta["packages"]
            .as_array()
            .and_then(|ps| ps.iter().find(|p| p["id"] == id))
            .and_then(|p| p["name"].as_str())
            .unwrap_or_default()
            .to_string()
    };
    let server = nodes
        .iter()
        .find(|n| name_of(n["id"].as_str().unwrap_or_default()) == "b24a-server")
        .expect("b24a-server in the graph");
    // Walk normal (non-dev, non-build) dependencies from the server.
    let mut seen = std::collections::HashSet::new();
    let mut todo = vec![server["id"].as_str().unwrap_or_default().to_string()];
    while let Some(id) = todo.pop() {
        if !seen.insert(id.clone()) {
            continue;
        }
        let Some(node) = nodes.iter().find(|n| n["id"] == id.as_str()) else {
            continue;
        };
        for dep in node["deps"].as_array().into_iter().flatten() {
            let normal = dep["dep_kinds"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|k| k["kind"].is_null());
            if normal {
                todo.push(dep["pkg"].as_str().unwrap_or_default().to_string());
            }
        }
    }
    let linked: Vec<String> = seen.iter().map(|id| name_of(id)).collect();
    assert!(
        linked.iter().any(|n| n == "b24a-store"),
        "the walk found the server's own crates: {linked:?}"
    );
    assert!(
        !linked.iter().any(|n| n == "b24a-emulator"),
        "the production server links the emulator"
    );
}
