//! Messages decoded with the user's schema: a `.proto` file compiled in process by `protox` (no
//! protoc needed at run time) or a FileDescriptorSet, messages read by `prost-reflect` into
//! proto3 JSON and text with field names. The gRPC path (`/package.Service/Method`) says which
//! types a call's two directions carry.

use std::path::{Path, PathBuf};

use prost_reflect::text_format::FormatOptions;
use prost_reflect::{DescriptorPool, DynamicMessage, MessageDescriptor};
use thiserror::Error;

use crate::Direction;

/// Why a schema could not be loaded or used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SchemaError {
    /// The `.proto` file (or one it imports) could not be read or compiled.
    #[error("{}: {reason}", path.display())]
    Compile {
        /// The file the user gave.
        path: PathBuf,
        /// protox's message (with the line and column it names).
        reason: String,
    },
    /// The bytes given as a FileDescriptorSet are not one.
    #[error("not a FileDescriptorSet: {0}")]
    DescriptorSet(String),
    /// A descriptor set file that could not be read, or is not one.
    #[error("{}: {reason}", path.display())]
    File {
        /// The file the user gave.
        path: PathBuf,
        /// Why (the I/O error, or why it is not a FileDescriptorSet).
        reason: String,
    },
    /// A gRPC path is not `/package.Service/Method`.
    #[error("{0:?} is not a gRPC path (/package.Service/Method)")]
    BadPath(String),
    /// The schema has no such service or method.
    #[error("the schema has no method {service}/{method}")]
    NoMethod {
        /// The service's full name.
        service: String,
        /// The method's name.
        method: String,
    },
    /// The schema has no message type of that name.
    #[error("the schema has no message type {0}")]
    NoType(String),
    /// The message's bytes do not decode as its type.
    #[error("not a {type_name}: {reason}")]
    Decode {
        /// The full name of the type tried.
        type_name: String,
        /// prost's reason.
        reason: String,
    },
}

/// The message types the user's files describe.
#[derive(Debug, Clone)]
pub struct Schema {
    pool: DescriptorPool,
}

/// One message with field names: proto3 JSON and protobuf text format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The full name of its type.
    pub type_name: String,
    /// The proto3 JSON mapping (camelCase names, enums by name, 64-bit integers and bytes as
    /// strings), indented.
    pub json: String,
    /// Text format with field names, one field a line.
    pub text: String,
}

impl Schema {
    /// Compiles a `.proto` file; its imports are found beside it (and Google's well-known types
    /// are built in).
    pub fn from_proto_file(path: &Path) -> Result<Self, SchemaError> {
        let compile_error = |reason: String| SchemaError::Compile {
            path: path.to_path_buf(),
            reason,
        };
        let folder = path.parent().unwrap_or(Path::new("."));
        let name = path
            .file_name()
            .ok_or_else(|| compile_error("not a file name".into()))?;
        let mut compiler =
            protox::Compiler::new([folder]).map_err(|e| compile_error(e.to_string()))?;
        compiler.include_imports(true);
        compiler
            .open_file(name)
            .map_err(|e| compile_error(e.to_string()))?;
        Ok(Self {
            pool: compiler.descriptor_pool(),
        })
    }

    /// The schema in the file the user gave: a `.proto` file (compiled with its folder as the
    /// include path), or any other name (`.pb`, `.desc`, ...) read as a FileDescriptorSet.
    pub fn load(path: &Path) -> Result<Self, SchemaError> {
        let is_proto = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("proto"));
        if is_proto {
            return Self::from_proto_file(path);
        }
        let file_error = |reason: String| SchemaError::File {
            path: path.to_path_buf(),
            reason,
        };
        let bytes = std::fs::read(path).map_err(|e| file_error(e.to_string()))?;
        Self::from_descriptor_set(&bytes).map_err(|e| file_error(e.to_string()))
    }

    /// The full names of the services it describes, for the user to see what was loaded.
    pub fn services(&self) -> Vec<String> {
        self.pool
            .services()
            .map(|s| s.full_name().to_owned())
            .collect()
    }

    /// Reads a FileDescriptorSet (`protoc --descriptor_set_out --include_imports`, `buf build`).
    pub fn from_descriptor_set(bytes: &[u8]) -> Result<Self, SchemaError> {
        DescriptorPool::decode(bytes)
            .map(|pool| Self { pool })
            .map_err(|e| SchemaError::DescriptorSet(e.to_string()))
    }

    /// The type a call's messages have in `direction`: the method's input from the client, its
    /// output from the server.
    pub fn message_type(
        &self,
        grpc_path: &str,
        direction: Direction,
    ) -> Result<MessageDescriptor, SchemaError> {
        let bad_path = || SchemaError::BadPath(grpc_path.to_owned());
        let (service, method) = grpc_path
            .strip_prefix('/')
            .and_then(|rest| rest.split_once('/'))
            .filter(|(s, m)| !s.is_empty() && !m.is_empty() && !m.contains('/'))
            .ok_or_else(bad_path)?;
        let found = self
            .pool
            .get_service_by_name(service)
            .and_then(|s| s.methods().find(|m| m.name() == method))
            .ok_or_else(|| SchemaError::NoMethod {
                service: service.to_owned(),
                method: method.to_owned(),
            })?;
        Ok(match direction {
            Direction::ClientToServer => found.input(),
            Direction::ServerToClient => found.output(),
        })
    }

    /// A message type by its full name (`package.Message`).
    pub fn type_named(&self, full_name: &str) -> Result<MessageDescriptor, SchemaError> {
        self.pool
            .get_message_by_name(full_name)
            .ok_or_else(|| SchemaError::NoType(full_name.to_owned()))
    }
}

/// `bytes` decoded as a `message_type`.
pub fn decode(message_type: &MessageDescriptor, bytes: &[u8]) -> Result<Decoded, SchemaError> {
    let type_name = message_type.full_name().to_owned();
    let message =
        DynamicMessage::decode(message_type.clone(), bytes).map_err(|e| SchemaError::Decode {
            type_name: type_name.clone(),
            reason: e.to_string(),
        })?;
    let json = serde_json::to_string_pretty(&message).map_err(|e| SchemaError::Decode {
        type_name: type_name.clone(),
        reason: e.to_string(),
    })?;
    let text = message.to_text_format_with_options(&FormatOptions::new().pretty(true));
    Ok(Decoded {
        type_name,
        json,
        text,
    })
}
