//! The contract with the window, from `command_list.rs`: the command functions are checked
//! against it at compile time, and its tests generate `ui/src/generated/ipc.ts` (every payload
//! type and a `Commands` map) and check the other places that name the commands.

use crate::commands::{self, OpenedSession, Saved, Startup, Status};
use crate::state::AppState;
use tauri::{AppHandle, State};
use tcpmon_desktop::breakpoints::{Decision, PausedView};
use tcpmon_desktop::compare::{Comparison, Options as CompareOptions};
use tcpmon_desktop::error::CommandError;
use tcpmon_desktop::form::ListenerForm;
use tcpmon_desktop::messages::{MessagePage, SendKind};
use tcpmon_desktop::page::ViewPage;
use tcpmon_desktop::search::Found;
use tcpmon_files::save::{Format, RowRef};
use tcpmon_inspect::compose::Composed;
use tcpmon_inspect::view::ViewKind;
use tcpmon_relay::rules::RulesSource;
use tcpmon_relay::{BindCheck, ConnId, Direction, ListenerId, ListenerInfo, PauseId, Snapshot};

/// The app's state, as a command takes it.
type Shared = State<'static, AppState>;
/// The app, as a command that opens a dialog takes it.
type Window = AppHandle<tauri::Wry>;

/// Awaits an `async` command's answer; a `sync` command's is there already.
macro_rules! answer {
    (async, $call:expr) => {
        $call.await
    };
    (sync, $call:expr) => {
        $call
    };
}

/// A function that calls every command with the list's types and takes its answer as the
/// list's: it only has to compile.
macro_rules! check_signatures {
    ($($mode:ident $name:ident [$($state:ty),*] ($($arg:ident: $ty:ty),*) -> $ok:ty;)*) => {
        #[expect(dead_code, reason = "compiled, never run: it checks each command's signature")]
        async fn signatures() {
            fn given<T>() -> T {
                unreachable!("never called")
            }
            $(
                let _: Result<$ok, CommandError> =
                    answer!($mode, commands::$name($(given::<$state>(),)* $(given::<$ty>()),*));
            )*
        }
    };
}

command_list!(check_signatures);

#[cfg(test)]
mod typescript {
    //! `ui/src/generated/ipc.ts` from the command list and the payload types' `ts_rs::TS`.

    use super::*;
    use std::any::TypeId;
    use std::collections::{BTreeMap, HashSet};
    use tcpmon_desktop::batch::Batch;
    use ts_rs::{Config, TS, TypeVisitor};

    /// The generated file, from this crate's folder.
    pub const PATH: &str = "../ui/src/generated/ipc.ts";

    /// Declarations of the named types reached, by TypeScript name.
    #[derive(Default)]
    struct Declarations {
        cfg: Config,
        found: BTreeMap<String, String>,
        /// Every type visited (some refer to themselves).
        seen: HashSet<TypeId>,
    }

    impl TypeVisitor for Declarations {
        fn visit<T: TS + 'static + ?Sized>(&mut self) {
            if !self.seen.insert(TypeId::of::<T>()) {
                return;
            }
            if T::output_path().is_some() {
                let name = T::ident(&self.cfg);
                let decl = format!(
                    "{}export {}",
                    T::docs().unwrap_or_default(),
                    T::decl(&self.cfg)
                );
                match self.found.get(&name) {
                    Some(known) if *known == decl => return,
                    Some(known) => panic!("two types are called {name}:\n{known}\n{decl}"),
                    None => self.found.insert(name, decl),
                };
            }
            T::visit_dependencies(self);
            T::visit_generics(self);
        }
    }

    impl Declarations {
        /// `T`'s TypeScript type, its declaration and those of the types it uses recorded.
        fn name<T: TS + 'static + ?Sized>(&mut self) -> String {
            self.visit::<T>();
            T::name(&self.cfg)
        }
    }

    /// A command's line of the `Commands` map.
    struct Command {
        name: &'static str,
        args: Vec<(&'static str, String)>,
        ok: String,
    }

    /// Every command, its argument and answer types recorded in `types`.
    macro_rules! commands {
        ($($mode:ident $name:ident [$($state:ty),*] ($($arg:ident: $ty:ty),*) -> $ok:ty;)*) => {
            fn commands(types: &mut Declarations) -> Vec<Command> {
                vec![$(Command {
                    name: stringify!($name),
                    args: vec![$((stringify!($arg), types.name::<$ty>())),*],
                    ok: types.name::<$ok>(),
                }),*]
            }
        };
    }

    command_list!(commands);

    /// The names `invoke` passes arguments by: Tauri maps camelCase to the Rust parameters.
    fn camel_case(name: &str) -> String {
        let mut parts = name.split('_');
        let first = parts.next().unwrap_or_default().to_string();
        parts.fold(first, |out, part| {
            let mut chars = part.chars();
            let head = chars.next().map(|c| c.to_ascii_uppercase());
            out + &head.into_iter().chain(chars).collect::<String>()
        })
    }

    /// The whole file.
    pub fn generate() -> String {
        let mut types = Declarations {
            cfg: Config::new().with_large_int("number"),
            ..Declarations::default()
        };
        let commands = commands(&mut types);
        let batch = types.name::<Batch>();
        types.name::<CommandError>();
        let row_ref = format!("export type RowRef = {};", RowRef::name(&types.cfg));

        let mut out = String::from(
            "// Generated from src-tauri/src/command_list.rs and the Rust payload types: do not edit.\n\
             // Regenerate with: UPDATE_IPC=1 cargo test -p tcpmon-app contract\n\n",
        );
        for decl in types.found.values().chain([&row_ref]) {
            out.push_str(decl);
            out.push_str("\n\n");
        }
        out.push_str(
            "/** Each command: the arguments `invoke` passes, and what it resolves to (it rejects with a CommandError). */\n\
             export type Commands = {\n",
        );
        for Command { name, args, ok } in commands {
            let args = if args.is_empty() {
                "Record<string, never>".to_string()
            } else {
                let args: Vec<_> = args
                    .iter()
                    .map(|(arg, ty)| format!("{}: {ty}", camel_case(arg)))
                    .collect();
                format!("{{ {} }}", args.join("; "))
            };
            out.push_str(&format!("  {name}: {{ args: {args}; result: {ok} }};\n"));
        }
        out.push_str(&format!(
            "}};\n\n/**\n * The one event and its payload, which travels as JSON text (a string) for the window to\n * `JSON.parse`: the parsed value has this type.\n */\nexport type Events = {{ \"{}\": {batch} }};\n",
            crate::EVENTS
        ));
        out
    }

    /// The command names, in the list's order.
    pub fn names() -> Vec<&'static str> {
        let mut types = Declarations::default();
        commands(&mut types).iter().map(|c| c.name).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::typescript;
    use std::collections::BTreeSet;
    use std::path::Path;

    fn in_crate(path: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
    }

    #[test]
    fn the_generated_typescript_is_current() {
        let path = in_crate(typescript::PATH);
        let fresh = typescript::generate();
        if std::env::var_os("UPDATE_IPC").is_some() {
            std::fs::create_dir_all(path.parent().expect("a folder")).expect("folder");
            std::fs::write(&path, &fresh).expect("written");
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == fresh,
            "{} is stale: regenerate it with UPDATE_IPC=1 cargo test -p tcpmon-app contract",
            path.display()
        );
    }

    /// The progress event's TypeScript is written by hand (ts-rs cannot flatten an `Option`):
    /// each key serde writes must be in it.
    #[test]
    fn a_progress_events_keys_are_in_its_typescript() {
        use tcpmon_inspect::exchange::ExchangeList;
        use tcpmon_relay::{ConnId, Event, EventKind, ExchangePatch};
        use ts_rs::TS;
        let event = Event {
            seq: 1,
            kind: EventKind::ConnectionProgress {
                id: ConnId(1),
                bytes: [1, 2],
                exchanges: Some(ExchangePatch::of(&ExchangeList::new(), 0)),
            },
        };
        let json = serde_json::to_value(&event).expect("json");
        let ts = Event::inline(&ts_rs::Config::new());
        let progress = ts
            .split(" | ")
            .find(|variant| variant.contains("\"connection_progress\""))
            .expect("a progress variant");
        for key in json.as_object().expect("an object").keys() {
            let named = |mark: &str| format!("{key}{mark}");
            assert!(
                key == "seq"
                    || key == "kind"
                    || progress.contains(&named(":"))
                    || progress.contains(&named("?:")),
                "{key} is not in {progress}"
            );
        }
    }

    #[test]
    fn the_build_script_made_a_permission_for_each_command_and_no_other() {
        // tauri-build writes one file per command it was given; renamed ones stay behind.
        let files: BTreeSet<String> = std::fs::read_dir(in_crate("permissions/autogenerated"))
            .expect("permissions")
            .map(|entry| {
                entry
                    .expect("entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        let wanted: BTreeSet<String> = typescript::names()
            .iter()
            .map(|name| format!("{name}.toml"))
            .collect();
        assert_eq!(files, wanted);
    }

    #[test]
    fn the_window_is_granted_each_command_and_no_other() {
        let text = std::fs::read_to_string(in_crate("capabilities/default.json")).expect("read");
        let capability: serde_json::Value = serde_json::from_str(&text).expect("json");
        let granted: BTreeSet<&str> = capability["permissions"]
            .as_array()
            .expect("permissions")
            .iter()
            .filter_map(|p| p.as_str()?.strip_prefix("allow-"))
            .collect();
        let wanted: Vec<String> = typescript::names()
            .iter()
            .map(|name| name.replace('_', "-"))
            .collect();
        assert_eq!(granted, wanted.iter().map(String::as_str).collect());
    }
}
