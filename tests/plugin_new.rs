//! `exthost plugin new` end to end, once per language: the real command line
//! scaffolds a project; the build command it prints builds it (Rust with the
//! SDK, Python with componentize-py, JavaScript with componentize-js); its
//! printed `exthost plugin check` accepts the component; its printed install
//! commands (curl) upload and enable it on a running server; and its
//! on-request hook answers `GET /hello/<name>` with the greeting from the
//! settings it was enabled with, while other requests go through. A project
//! scaffolded with every hook builds and exports all four.

use exthost_tests::server::{Db, Method, Options, Server, TOKEN, run};
use exthost_tests::shell::{exthost_on_path, link_toolchain, path_with, sh_ok};
use serde_json::json;
use std::path::PathBuf;

const EXTHOST: &str = env!("CARGO_BIN_EXE_exthost-cli");

/// The commands under each heading (`Build:`, `Check:`...) of the printed text.
fn commands(printed: &str, heading: &str) -> Vec<String> {
    printed
        .lines()
        .skip_while(|l| !l.starts_with(heading))
        .skip(1)
        .take_while(|l| l.starts_with("    "))
        .map(|l| l.trim().to_string())
        .collect()
}

/// A scaffolded and built project: its temp dir, folder, printed text, `PATH`.
struct Built {
    _work: tempfile::TempDir,
    _bin: tempfile::TempDir,
    project: PathBuf,
    printed: String,
    path: String,
}

/// `exthost plugin new NAME --lang LANG ARGS`, as a user runs it from the
/// parent directory, then the `Build:` commands it printed.
async fn scaffold_and_build(name: &str, lang: &str, args: &str) -> Built {
    let work = tempfile::tempdir().expect("temp dir");
    let bin = exthost_on_path(EXTHOST);
    let project = work.path().join(name);
    let path = path_with(bin.path());
    let env = vec![("PATH", path.clone())];
    let printed = sh_ok(
        &format!("exthost plugin new {name} --lang {lang} {args}"),
        work.path(),
        &env,
    )
    .await
    .stdout;
    assert!(
        printed.contains(&format!("Created the extension `{name}`")),
        "{printed}"
    );
    let rust_target = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("plugin-new-rust");
    link_toolchain(&project, lang, &rust_target);
    for command in commands(&printed, "Build:") {
        sh_ok(&command, &project, &env).await;
    }
    Built {
        _work: work,
        _bin: bin,
        project,
        printed,
        path,
    }
}

/// What the printed `exthost plugin check` says of the built component.
async fn check(built: &Built) -> String {
    let check = commands(&built.printed, "Check:");
    assert_eq!(check.len(), 1, "{}", built.printed);
    sh_ok(&check[0], &built.project, &[("PATH", built.path.clone())])
        .await
        .stdout
}

async fn scaffold_build_install_and_run(lang: &'static str) {
    let name = format!("hello-{lang}");
    let built = scaffold_and_build(&name, lang, "").await;
    let report = check(&built).await;
    assert!(report.starts_with(&format!("ok: {name} ")), "{report}");
    // Exactly the hook it implements: the host calls nothing else.
    assert!(report.contains("hooks: on-request\n"), "{report}");
    let (printed, path) = (built.printed.clone(), built.path.clone());

    let install = commands(&printed, "Install and enable");
    assert_eq!(install.len(), 2, "{printed}");
    let try_it = commands(&printed, "Try it:");
    assert_eq!(try_it.len(), 1, "{printed}");
    let project = built.project.clone();
    run(Db::Sqlite, Options::default(), move |s: Server| async move {
        let env = vec![
            ("PATH", path),
            ("EXTHOST_URL", format!("http://{}", s.addr)),
            ("EXTHOST_TOKEN", TOKEN.to_string()),
        ];
        // Before: nothing answers the extension's path.
        let before = s.send(s.anonymous(Method::GET, &format!("/hello/{name}"))).await;
        assert_eq!(before.status, 404, "{before:?}");

        let uploaded = sh_ok(&install[0], &project, &env).await.stdout;
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&uploaded).unwrap()["name"],
            name.as_str()
        );
        let enabled = sh_ok(&install[1], &project, &env).await.stdout;
        let enabled: serde_json::Value = serde_json::from_str(&enabled).expect("JSON");
        assert_eq!(enabled["hooks"], json!(["on-request"]), "{enabled}");

        let answered = sh_ok(&try_it[0], &project, &env).await.stdout;
        assert_eq!(answered, format!("Hello from {name}"));

        // The greeting is the settings': change them and the hook says so.
        let id = enabled["id"].as_str().expect("an id");
        let put = s
            .put(
                &format!("/api/v1/extensions/{id}"),
                &json!({ "settings": { "greeting": "Bonjour" } }),
            )
            .await;
        assert_eq!(put.status, 200, "{put:?}");
        let answered = s.send(s.anonymous(Method::GET, &format!("/hello/{name}"))).await;
        assert_eq!(
            (answered.status, answered.body.as_str()),
            (200, format!("Bonjour from {name}").as_str())
        );
        // Its own check refuses an empty greeting, naming the field.
        let refused = s
            .put(
                &format!("/api/v1/extensions/{id}"),
                &json!({ "settings": { "greeting": " " } }),
            )
            .await
            .assert_error(422, "invalid_settings");
        assert_eq!(refused["fields"][0]["field"], "greeting", "{refused}");

        let health = s.send(s.anonymous(Method::GET, "/healthz")).await;
        assert_eq!((health.status, health.body.as_str()), (200, "ok"));
    })
    .await;
}

/// Every hook, in each language: the component builds and exports all four.
async fn every_hook_is_exported(lang: &'static str) {
    let name = format!("all-{lang}");
    let built = scaffold_and_build(&name, lang, "--hooks on-message,on-login,on-purge-tick,on-request").await;
    let report = check(&built).await;
    let hooks = report
        .lines()
        .find_map(|l| l.strip_prefix("hooks: "))
        .unwrap_or_default();
    let mut hooks: Vec<&str> = hooks.split(", ").collect();
    hooks.sort();
    assert_eq!(
        hooks,
        ["on-login", "on-message", "on-purge-tick", "on-request"],
        "{report}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_hook_rust() {
    every_hook_is_exported("rust").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_hook_python() {
    every_hook_is_exported("python").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_hook_js() {
    every_hook_is_exported("js").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust() {
    scaffold_build_install_and_run("rust").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python() {
    scaffold_build_install_and_run("python").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn js() {
    scaffold_build_install_and_run("js").await;
}
