//! docs/writing-an-extension.md cannot drift: every block fenced as
//! ```` ```sh test ```` is run, in order, in one working directory, against a
//! real server (`EXTHOST_URL`, `EXTHOST_TOKEN`) with the real `exthost` on
//! `PATH`. The setup blocks the guide does not mark (toolchain downloads) are
//! replaced by linking the toolchains host/artifacts installed, right after
//! the block that scaffolds the project. Each block runs with `sh -e`, so a
//! failing command (e.g. the final `curl | grep` of each language) fails it.

use exthost_tests::server::{Db, Options, Server, TOKEN, run};
use exthost_tests::shell::{exthost_on_path, link_toolchain, path_with, sh_ok};
use std::path::PathBuf;

const EXTHOST: &str = env!("CARGO_BIN_EXE_exthost-cli");
const GUIDE: &str = include_str!("../docs/writing-an-extension.md");

/// The `sh test` blocks of the guide, in order.
fn test_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match &mut current {
            None if line.trim_end() == "```sh test" => current = Some(String::new()),
            None => {}
            Some(block) if line.trim_end() == "```" => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
        }
    }
    assert!(current.is_none(), "an unterminated block in the guide");
    blocks
}

/// `exthost plugin new NAME --lang LANG` in a block: (NAME, LANG).
fn scaffolded(block: &str) -> Option<(String, String)> {
    let words: Vec<&str> = block.split_whitespace().collect();
    let at = words.windows(3).position(|w| w == ["exthost", "plugin", "new"])?;
    let name = words.get(at + 3)?.to_string();
    let lang = words
        .iter()
        .skip(at)
        .skip_while(|w| **w != "--lang")
        .nth(1)?
        .to_string();
    Some((name, lang))
}

#[test]
fn the_guide_has_a_tested_path_for_each_language() {
    let blocks = test_blocks(GUIDE);
    let langs: Vec<String> = blocks.iter().filter_map(|b| scaffolded(b)).map(|(_, l)| l).collect();
    assert_eq!(langs, ["rust", "python", "js"]);
    for name in ["hello-rust", "hello-py", "hello-js"] {
        let installs = blocks.iter().any(|b| b.contains(&format!("\"extension\": \"{name}\"")));
        let runs = blocks
            .iter()
            .any(|b| b.contains(&format!("grep -x 'Hello from {name}'")));
        assert!(
            installs && runs,
            "{name}: the guide must enable it and see its hook run"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_guide_commands_work() {
    run(Db::Sqlite, Options::default(), |s: Server| async move {
        let work = tempfile::tempdir().expect("temp dir");
        let bin = exthost_on_path(EXTHOST);
        let env = vec![
            ("PATH", path_with(bin.path())),
            ("EXTHOST_URL", format!("http://{}", s.addr)),
            ("EXTHOST_TOKEN", TOKEN.to_string()),
        ];
        let rust_target = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("plugin-new-rust");
        for block in test_blocks(GUIDE) {
            sh_ok(&format!("set -e\n{block}"), work.path(), &env).await;
            if let Some((name, lang)) = scaffolded(&block) {
                link_toolchain(&work.path().join(name), &lang, &rust_target);
            }
        }
        let enabled = s.extensions().await;
        let mut names: Vec<&str> = enabled.iter().filter_map(|e| e["name"].as_str()).collect();
        names.sort();
        assert_eq!(names, ["hello-js", "hello-py", "hello-rust"], "{enabled:?}");
    })
    .await;
}
