//! `exthost plugin new NAME --lang rust|python|js`: a new extension project
//! that builds into a component exporting exactly the chosen hooks, from
//! templates embedded in the binary (`templates/`), and the commands that
//! build, check, install and enable it. Rust projects depend on the SDK of an
//! exthost checkout (`plugins/sdk`, which binds that checkout's `wit/`);
//! Python and JavaScript projects get a copy of the contract's `wit/` and a
//! world of their own.

use std::fmt::Write;
use std::path::{Path, PathBuf};

/// A language an extension can be scaffolded in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Rust,
    Python,
    Js,
}

impl std::str::FromStr for Lang {
    type Err = ScaffoldError;

    fn from_str(s: &str) -> Result<Lang, ScaffoldError> {
        match s {
            "rust" => Ok(Lang::Rust),
            "python" => Ok(Lang::Python),
            "js" | "javascript" => Ok(Lang::Js),
            _ => Err(ScaffoldError::Lang(s.into())),
        }
    }
}

/// The hooks, as `--hooks` and WIT name them, and as the Rust `export!` does.
const HOOKS: [(&str, &str); 4] = [
    ("on-request", "on_request"),
    ("on-message", "on_message"),
    ("on-login", "on_login"),
    ("on-purge-tick", "on_purge_tick"),
];

/// What to create.
#[derive(Debug, Clone)]
pub struct NewProject {
    /// The extension's name (and the project's).
    pub name: String,
    pub lang: Lang,
    /// Where to create it; must not exist, or be an empty directory.
    pub dir: PathBuf,
    /// WIT hook names, e.g. `on-request`.
    pub hooks: Vec<String>,
    /// Rust: the `plugins/sdk` folder of an exthost checkout.
    pub sdk: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    #[error("name: `{0}` is not an extension name (lower-case letters, digits and `-`, starting with a letter)")]
    Name(String),
    #[error("lang: `{0}` is not one of rust, python, js")]
    Lang(String),
    #[error("hooks: `{0}` is not one of on-request, on-message, on-login, on-purge-tick")]
    Hook(String),
    #[error("hooks: `{0}` is named twice")]
    HookTwice(String),
    #[error("hooks: name at least one")]
    NoHooks,
    #[error("dir: {0} exists and is not empty")]
    DirNotEmpty(PathBuf),
    #[error("sdk: no exthost SDK at {0} (give --sdk the plugins/sdk folder of an exthost checkout)")]
    NoSdk(PathBuf),
    #[error("cannot write {0}: {1}")]
    Write(PathBuf, std::io::Error),
}

/// Where this binary's own checkout keeps the SDK, if it is still there.
pub fn default_sdk() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../plugins/sdk")
}

/// The contract, embedded: copied into Python and JavaScript projects.
const WIT: [(&str, &str); 5] = [
    ("hooks.wit", include_str!("../../../wit/hooks.wit")),
    ("imports.wit", include_str!("../../../wit/imports.wit")),
    ("metadata.wit", include_str!("../../../wit/metadata.wit")),
    ("types.wit", include_str!("../../../wit/types.wit")),
    ("worlds.wit", include_str!("../../../wit/worlds.wit")),
];

/// The language's templates: head, one per hook (in `HOOKS` order), tail.
struct Templates {
    head: &'static str,
    hooks: [&'static str; 4],
    tail: &'static str,
}

const RUST: Templates = Templates {
    head: include_str!("../templates/rust/head.rs.tmpl"),
    hooks: [
        include_str!("../templates/rust/on-request.rs.tmpl"),
        include_str!("../templates/rust/on-message.rs.tmpl"),
        include_str!("../templates/rust/on-login.rs.tmpl"),
        include_str!("../templates/rust/on-purge-tick.rs.tmpl"),
    ],
    tail: include_str!("../templates/rust/tail.rs.tmpl"),
};
const PYTHON: Templates = Templates {
    head: include_str!("../templates/python/head.py.tmpl"),
    hooks: [
        include_str!("../templates/python/on-request.py.tmpl"),
        include_str!("../templates/python/on-message.py.tmpl"),
        include_str!("../templates/python/on-login.py.tmpl"),
        include_str!("../templates/python/on-purge-tick.py.tmpl"),
    ],
    tail: "",
};
const JS: Templates = Templates {
    head: include_str!("../templates/js/head.js.tmpl"),
    hooks: [
        include_str!("../templates/js/on-request.js.tmpl"),
        include_str!("../templates/js/on-message.js.tmpl"),
        include_str!("../templates/js/on-login.js.tmpl"),
        include_str!("../templates/js/on-purge-tick.js.tmpl"),
    ],
    tail: "",
};
const CARGO_TOML: &str = include_str!("../templates/rust/Cargo.toml.tmpl");
const PACKAGE_JSON: &str = include_str!("../templates/js/package.json.tmpl");

/// The pinned guest toolchains, as host/artifacts builds the examples with.
pub const COMPONENTIZE_PY: &str = "componentize-py==0.25.1";
pub const COMPONENTIZE_JS: &str = "@bytecodealliance/componentize-js@0.23.0";

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.ends_with('-')
        && name.len() <= 64
}

/// The chosen hooks as indexes into `HOOKS`, in the order given.
fn hook_indexes(hooks: &[String]) -> Result<Vec<usize>, ScaffoldError> {
    let mut chosen = Vec::new();
    for hook in hooks.iter().map(|h| h.trim()).filter(|h| !h.is_empty()) {
        let i = HOOKS
            .iter()
            .position(|(wit, _)| *wit == hook)
            .ok_or_else(|| ScaffoldError::Hook(hook.into()))?;
        if chosen.contains(&i) {
            return Err(ScaffoldError::HookTwice(hook.into()));
        }
        chosen.push(i);
    }
    if chosen.is_empty() {
        return Err(ScaffoldError::NoHooks);
    }
    Ok(chosen)
}

/// The world a Python or JavaScript project builds against.
fn extension_world(name: &str, hooks: &[usize]) -> String {
    let mut wit = String::from("package exthost:plugin@0.1.0;\n\n");
    let _ = writeln!(wit, "/// {name}: what it imports and the hooks it exports.");
    wit += "world extension {\n    import log;\n    export metadata;\n";
    for &i in hooks {
        let _ = writeln!(wit, "    export {};", HOOKS[i].0);
    }
    wit + "}\n"
}

fn write(path: &Path, text: &str) -> Result<(), ScaffoldError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| ScaffoldError::Write(parent.into(), e))?;
    }
    std::fs::write(path, text).map_err(|e| ScaffoldError::Write(path.into(), e))
}

/// Create the project; return what to run next, for the user.
pub fn create(project: &NewProject) -> Result<String, ScaffoldError> {
    let name = project.name.as_str();
    if !valid_name(name) {
        return Err(ScaffoldError::Name(name.into()));
    }
    let hooks = hook_indexes(&project.hooks)?;
    let dir = &project.dir;
    if dir.exists() && std::fs::read_dir(dir).map(|mut d| d.next().is_some()).unwrap_or(true) {
        return Err(ScaffoldError::DirNotEmpty(dir.clone()));
    }
    let crate_name = name.replace('-', "_");
    let rust_hooks: Vec<&str> = hooks.iter().map(|&i| HOOKS[i].1).collect();
    let fill = |text: &str, sdk: &str| {
        text.replace("{{name}}", name)
            .replace("{{crate}}", &crate_name)
            .replace("{{hooks}}", &rust_hooks.join(", "))
            .replace("{{sdk}}", sdk)
    };
    let (templates, source) = match project.lang {
        Lang::Rust => (&RUST, "src/lib.rs"),
        Lang::Python => (&PYTHON, "app.py"),
        Lang::Js => (&JS, "app.js"),
    };

    let mut sdk = String::new();
    if project.lang == Lang::Rust {
        let path = project.sdk.clone().unwrap_or_else(default_sdk);
        let path = path
            .canonicalize()
            .ok()
            .filter(|p| p.join("Cargo.toml").is_file())
            .ok_or(ScaffoldError::NoSdk(path))?;
        sdk = path.display().to_string();
    }
    let mut code = templates.head.to_string();
    for &i in &hooks {
        code += templates.hooks[i];
    }
    code += templates.tail;
    write(&dir.join(source), &fill(&code, &sdk))?;
    match project.lang {
        Lang::Rust => write(&dir.join("Cargo.toml"), &fill(CARGO_TOML, &sdk))?,
        Lang::Python | Lang::Js => {
            for (file, text) in WIT {
                write(&dir.join("wit").join(file), text)?;
            }
            write(&dir.join("wit/extension.wit"), &extension_world(name, &hooks))?;
            if project.lang == Lang::Js {
                write(&dir.join("package.json"), &fill(PACKAGE_JSON, &sdk))?;
            }
        }
    }
    Ok(instructions(project, &crate_name, &hooks))
}

/// The commands that set up, build, check, install and try the project.
fn instructions(project: &NewProject, crate_name: &str, hooks: &[usize]) -> String {
    let name = &project.name;
    let (setup, build, wasm) = match project.lang {
        Lang::Rust => (
            "rustup target add wasm32-wasip2".to_string(),
            "cargo build --release --target wasm32-wasip2".to_string(),
            format!("target/wasm32-wasip2/release/{crate_name}.wasm"),
        ),
        Lang::Python => (
            format!("python3 -m venv .venv && .venv/bin/pip install {COMPONENTIZE_PY}"),
            format!(".venv/bin/componentize-py -d wit -w extension componentize app -o {name}.wasm"),
            format!("{name}.wasm"),
        ),
        Lang::Js => (
            "npm install".to_string(),
            "npm run build".to_string(),
            format!("{name}.wasm"),
        ),
    };
    let hook_names: Vec<&str> = hooks.iter().map(|&i| HOOKS[i].0).collect();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Created the extension `{name}` in {} (hooks: {}).",
        project.dir.display(),
        hook_names.join(", ")
    );
    let _ = writeln!(out, "\nIn {}:", project.dir.display());
    let _ = writeln!(out, "Set up (once):\n    {setup}");
    let _ = writeln!(out, "Build:\n    {build}");
    let _ = writeln!(out, "Check:\n    exthost plugin check {wasm}");
    let _ = writeln!(
        out,
        "Install and enable (EXTHOST_URL: the server, EXTHOST_TOKEN: an admin API token):"
    );
    let _ = writeln!(
        out,
        "    curl -fsS -H \"Authorization: Bearer $EXTHOST_TOKEN\" -H 'content-type: application/wasm' \
         --data-binary @{wasm} \"$EXTHOST_URL/api/v1/components\""
    );
    let _ = writeln!(
        out,
        "    curl -fsS -H \"Authorization: Bearer $EXTHOST_TOKEN\" -H 'content-type: application/json' \
         -d '{{\"extension\": \"{name}\", \"settings\": {{\"greeting\": \"Hello\"}}}}' \"$EXTHOST_URL/api/v1/extensions\""
    );
    if hooks.contains(&0) {
        let _ = writeln!(out, "Try it:\n    curl \"$EXTHOST_URL/hello/{name}\"");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(dir: &Path, lang: Lang, hooks: &[&str]) -> NewProject {
        NewProject {
            name: "demo-ext".into(),
            lang,
            dir: dir.join("demo"),
            hooks: hooks.iter().map(|h| h.to_string()).collect(),
            sdk: None,
        }
    }

    #[test]
    fn bad_names_and_hooks_are_refused_by_field() {
        let tmp = tempfile::tempdir().unwrap();
        let mut p = project(tmp.path(), Lang::Js, &["on-request"]);
        for bad in ["", "Demo", "9lives", "a_b", "ends-", "sp ace"] {
            p.name = bad.into();
            assert!(matches!(create(&p), Err(ScaffoldError::Name(_))), "{bad}");
        }
        p.name = "ok".into();
        p.hooks = vec!["on-teleport".into()];
        assert!(create(&p).unwrap_err().to_string().starts_with("hooks: `on-teleport`"));
        p.hooks = vec!["on-request".into(), "on-request".into()];
        assert!(matches!(create(&p), Err(ScaffoldError::HookTwice(_))));
        p.hooks = vec![];
        assert!(matches!(create(&p), Err(ScaffoldError::NoHooks)));
        assert!(!p.dir.exists(), "nothing is written when the input is refused");
    }

    #[test]
    fn a_project_exports_exactly_its_hooks_in_each_language() {
        let tmp = tempfile::tempdir().unwrap();
        let js = project(&tmp.path().join("js"), Lang::Js, &["on-message", "on-request"]);
        create(&js).unwrap();
        let world = std::fs::read_to_string(js.dir.join("wit/extension.wit")).unwrap();
        assert!(
            world.contains("export on-message;\n    export on-request;\n}"),
            "{world}"
        );
        let app = std::fs::read_to_string(js.dir.join("app.js")).unwrap();
        assert!(app.contains("export const onMessage") && app.contains("export const onRequest"));
        assert!(!app.contains("onLogin") && !app.contains("{{"), "{app}");

        let rust = project(&tmp.path().join("rust"), Lang::Rust, &["on-login", "on-request"]);
        let said = create(&rust).unwrap();
        let lib = std::fs::read_to_string(rust.dir.join("src/lib.rs")).unwrap();
        assert!(lib.contains("export!(Ext with [on_login, on_request]);"), "{lib}");
        assert!(said.contains("target/wasm32-wasip2/release/demo_ext.wasm"), "{said}");
        let cargo = std::fs::read_to_string(rust.dir.join("Cargo.toml")).unwrap();
        assert!(!cargo.contains("{{"), "{cargo}");

        let again = create(&rust).unwrap_err();
        assert!(matches!(again, ScaffoldError::DirNotEmpty(_)), "{again}");
    }
}
