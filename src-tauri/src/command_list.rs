// The window's commands, written once. `build.rs` includes this file for the permission list;
// `lib.rs` builds the invoke handler from it; `contract.rs` checks the functions in
// `commands.rs` against it and generates `ui/src/generated/ipc.ts` from it.

/// Calls `$then!` with every command, one a line:
/// `async|sync name[state the function takes](arguments the window passes) -> success value;`.
/// `sync` commands run on the main thread, `async` ones on the runtime; every command rejects
/// with a `CommandError`. The state in brackets is Rust's own, not part of the contract.
macro_rules! command_list {
    ($then:ident) => {
        $then! {
            async startup[Shared]() -> Startup;
            async snapshot[Shared]() -> Snapshot;
            async add_listener[Shared](form: ListenerForm) -> ListenerInfo;
            sync check_bind[](addr: String) -> BindCheck;
            async update_listener[Shared](id: ListenerId, form: ListenerForm) -> ListenerInfo;
            async start_listener[Shared](id: ListenerId) -> ListenerInfo;
            async stop_listener[Shared](id: ListenerId) -> ListenerInfo;
            async remove_listener[Shared](id: ListenerId) -> ();
            sync remove_connections[Shared](ids: Vec<ConnId>) -> ();
            async read_view[Shared](
                session: Option<u64>,
                id: ConnId,
                direction: Direction,
                view: ViewKind,
                offset: u64,
                exchange: Option<usize>
            ) -> ViewPage;
            async read_server_side[Shared](
                session: Option<u64>,
                id: ConnId,
                direction: Direction,
                exchange: usize,
                view: ViewKind,
                offset: u64
            ) -> ViewPage;
            async exchange_messages[Shared](
                session: Option<u64>,
                id: ConnId,
                exchange: usize,
                from: u64,
                count: u32
            ) -> MessagePage;
            async read_message_view[Shared](
                session: Option<u64>,
                id: ConnId,
                exchange: usize,
                index: u64,
                view: ViewKind,
                offset: u64
            ) -> ViewPage;
            async send_websocket[Shared](
                id: ConnId,
                exchange: usize,
                direction: Direction,
                kind: SendKind,
                text: String
            ) -> ();
            async resend[Shared](id: ConnId, edited: Option<String>, exchange: Option<usize>) -> ConnId;
            async save_connections[Window, Shared](
                session: Option<u64>,
                ids: Vec<ConnId>,
                format: Format,
                exchanges: Option<Vec<RowRef>>
            ) -> Option<Saved>;
            async open_session[Window, Shared]() -> Option<OpenedSession>;
            sync close_session[Shared](session: u64) -> ();
            async open_left_capture[Shared](path: String) -> OpenedSession;
            sync discard_left_capture[Shared](path: String) -> ();
            sync save_settings[Shared](settings: serde_json::Value) -> ();
            sync set_capture_limit[Shared](limit: String) -> Option<u64>;
            async set_proto_file[Shared](path: String) -> Vec<String>;
            sync status[Shared]() -> Status;
            async search[Shared](session: Option<u64>, query: String) -> Found;
            async compare[Shared](
                session: Option<u64>,
                left: (ConnId, usize),
                right: (ConnId, usize),
                options: CompareOptions
            ) -> Comparison;
            async send_request[Shared](request: Composed) -> ConnId;
            async pick_target_ca[Window]() -> Option<Vec<String>>;
            async export_ca[Window, Shared]() -> Option<String>;
            async import_rules[Window]() -> Option<RulesSource>;
            async export_rules[Window](text: String, folder: String) -> Option<String>;
            sync rule_hits[Shared](id: ListenerId) -> Vec<u64>;
            sync mock_from_row[Shared](id: ConnId, exchange: usize) -> ListenerInfo;
            sync paused_message[Shared](id: PauseId) -> PausedView;
            sync resume_paused[Shared](id: PauseId, decision: Decision) -> ();
            sync continue_all[Shared](listener: Option<ListenerId>) -> u32;
            async load_response[Window]() -> Option<String>;
        }
    };
}
