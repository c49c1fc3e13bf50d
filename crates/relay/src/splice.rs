//! The kernel's side of the bulk fast path (Linux): a raw connection's bytes move from the
//! socket into a pipe and from the pipe into the capture log with `splice`, then from the log's
//! pages to the other socket with `sendfile`. The one copy left is the one into the log; the
//! buffered path makes three more (out of the socket, into the pending buffer, into the next
//! socket) and a system call per 256 KiB besides. [`crate::pump`] decides when a direction
//! takes this path; every step here waits on tokio's readiness, as the buffered path does.

use rustix::pipe::{PipeFlags, SpliceFlags};
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use tokio::io::Interest;
use tokio::net::TcpStream;

/// The pipe size asked for: one read moves up to this much.
const PIPE_SIZE: usize = 1 << 20;

/// A pipe between a socket and the capture log.
pub(crate) struct Pipe {
    read: OwnedFd,
    write: OwnedFd,
    size: usize,
}

impl Pipe {
    pub(crate) fn new() -> io::Result<Self> {
        let (read, write) = rustix::pipe::pipe_with(PipeFlags::CLOEXEC | PipeFlags::NONBLOCK)?;
        // Past the system's pipe-max-size the pipe keeps its size: smaller steps, same path.
        let size = rustix::pipe::fcntl_setpipe_size(&write, PIPE_SIZE)
            .or_else(|_| rustix::pipe::fcntl_getpipe_size(&write))?;
        Ok(Self { read, write, size })
    }

    /// The end bytes leave the pipe from.
    pub(crate) fn output(&self) -> BorrowedFd<'_> {
        self.read.as_fd()
    }

    /// Moves what `src` has to give (up to the pipe's size) into the empty pipe; 0 at the end
    /// of its stream.
    pub(crate) async fn fill(&self, src: &TcpStream) -> io::Result<usize> {
        let flags = SpliceFlags::MOVE | SpliceFlags::NONBLOCK;
        loop {
            src.readable().await?;
            let moved = src.try_io(Interest::READABLE, || {
                rustix::pipe::splice(src, None, &self.write, None, self.size, flags)
                    .map_err(io::Error::from)
            });
            match moved {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                moved => return moved,
            }
        }
    }

    /// Writes the `len` bytes in the pipe to `dst` (bytes the log did not take), calling
    /// `wrote` after each write.
    pub(crate) async fn drain(
        &self,
        dst: &TcpStream,
        len: usize,
        wrote: impl Fn(),
    ) -> io::Result<()> {
        let flags = SpliceFlags::MOVE | SpliceFlags::NONBLOCK;
        write_out(dst, len, wrote, |left| {
            rustix::pipe::splice(&self.read, None, dst, None, left, flags)
        })
        .await
    }

    /// Takes the `len` bytes in the pipe into memory, for the buffered path to record.
    pub(crate) fn take(&self, len: usize) -> io::Result<Vec<u8>> {
        let mut data = vec![0; len];
        let mut at = 0;
        while at < len {
            match rustix::io::read(&self.read, &mut data[at..]) {
                Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
                Ok(n) => at += n,
                Err(rustix::io::Errno::INTR) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(data)
    }
}

/// Writes `len` bytes of `file` from `offset` to `dst`, calling `wrote` after each write.
pub(crate) async fn send_file(
    dst: &TcpStream,
    file: BorrowedFd<'_>,
    offset: u64,
    len: usize,
    wrote: impl Fn(),
) -> io::Result<()> {
    let mut offset = offset;
    write_out(dst, len, wrote, |left| {
        rustix::fs::sendfile(dst, file, Some(&mut offset), left)
    })
    .await
}

/// Runs `write` (given how many bytes are left) whenever `dst` can take more, until `len`
/// bytes are out.
async fn write_out(
    dst: &TcpStream,
    len: usize,
    wrote: impl Fn(),
    mut write: impl FnMut(usize) -> rustix::io::Result<usize>,
) -> io::Result<()> {
    let mut left = len;
    while left > 0 {
        dst.writable().await?;
        match dst.try_io(Interest::WRITABLE, || write(left).map_err(io::Error::from)) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => {
                left -= n;
                wrote();
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
