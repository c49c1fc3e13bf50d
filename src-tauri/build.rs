//! Lists the app's commands so that each needs an explicit grant in `capabilities/`.

include!("src/command_list.rs");

/// The names in a `command_list!`.
macro_rules! names {
    ($($mode:ident $name:ident [$($state:ty),*] ($($arg:ident: $ty:ty),*) -> $ok:ty;)*) => {
        &[$(stringify!($name)),*]
    };
}

/// Every command of `src/command_list.rs`; `capabilities/default.json` grants each one.
const COMMANDS: &[&str] = command_list!(names);

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri build script");
}
