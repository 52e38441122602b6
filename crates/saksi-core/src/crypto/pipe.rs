//! Two threads for one byte stream (issue 14): reading, decrypting and hashing on one, encrypting
//! and writing on the other, so that a stream of attachment bytes costs the slower of the two
//! halves rather than their sum.
//!
//! 64 KiB buffers travel over a bounded channel ([`DEPTH`] in flight, a few more recycled), so
//! memory stays flat whatever the size. Buffers hold plaintext: they are [`Zeroizing`], never
//! grow past their first allocation (a reallocation would free an unwiped copy), and are wiped
//! when dropped. A failure on either side stops both: the other side sees a closed channel and
//! the first error is the one reported.

use std::io::{self, Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// Bytes per buffer handed between the threads.
pub(crate) const CHUNK: usize = 64 * 1024;
/// Buffers queued between the threads.
const DEPTH: usize = 4;

type Buf = Zeroizing<Vec<u8>>;

fn new_buf() -> Buf {
    Zeroizing::new(Vec::with_capacity(CHUNK))
}

fn worker_gone() -> io::Error {
    io::Error::other("the writing thread stopped")
}

/// A writer whose bytes are written by a second thread: [`Write::write`] fills a buffer and hands
/// it over; [`WriteBehind::finish`] waits for the last one and runs the closing step (`done`) on
/// the writing thread. Dropped without `finish`, the writing thread stops without `done`.
pub(crate) struct WriteBehind<T: Send + 'static> {
    tx: Option<SyncSender<Buf>>,
    spare: Receiver<Buf>,
    buf: Buf,
    finishing: Arc<AtomicBool>,
    worker: Option<JoinHandle<io::Result<Option<T>>>>,
}

impl<T: Send + 'static> WriteBehind<T> {
    /// Starts the writing thread over `w`; `done` closes it once every byte is written (for an
    /// age stream: its last chunk, then `fsync`).
    pub(crate) fn new<W, F>(mut w: W, done: F) -> io::Result<Self>
    where
        W: Write + Send + 'static,
        F: FnOnce(W) -> io::Result<T> + Send + 'static,
    {
        let (tx, rx) = sync_channel::<Buf>(DEPTH);
        let (spare_tx, spare) = sync_channel::<Buf>(DEPTH + 2);
        let finishing = Arc::new(AtomicBool::new(false));
        let flag = finishing.clone();
        let worker = std::thread::Builder::new()
            .name("saksi-write".into())
            .spawn(move || -> io::Result<Option<T>> {
                for b in rx {
                    w.write_all(&b)?;
                    let _ = spare_tx.try_send(b);
                }
                if flag.load(Ordering::Acquire) {
                    done(w).map(Some)
                } else {
                    Ok(None)
                }
            })?;
        Ok(WriteBehind {
            tx: Some(tx),
            spare,
            buf: new_buf(),
            finishing,
            worker: Some(worker),
        })
    }

    fn hand_over(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let mut next = self.spare.try_recv().unwrap_or_else(|_| new_buf());
        next.clear();
        let full = std::mem::replace(&mut self.buf, next);
        let sent = self.tx.as_ref().map(|tx| tx.send(full).is_ok());
        if sent == Some(true) {
            Ok(())
        } else {
            Err(self.stop())
        }
    }

    /// Stops the writing thread and gives its error (or a generic one).
    fn stop(&mut self) -> io::Error {
        self.tx = None;
        match self.worker.take().map(|h| h.join()) {
            Some(Ok(Err(e))) => e,
            _ => worker_gone(),
        }
    }

    /// Hands over the last bytes, waits for the writing thread and gives what `done` gave.
    pub(crate) fn finish(mut self) -> io::Result<T> {
        self.hand_over()?;
        self.finishing.store(true, Ordering::Release);
        self.tx = None;
        match self.worker.take().map(|h| h.join()) {
            Some(Ok(Ok(Some(t)))) => Ok(t),
            Some(Ok(Err(e))) => Err(e),
            _ => Err(worker_gone()),
        }
    }
}

impl<T: Send + 'static> Write for WriteBehind<T> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = (CHUNK - self.buf.len()).min(data.len());
        self.buf.extend_from_slice(&data[..n]);
        if self.buf.len() == CHUNK {
            self.hand_over()?;
        }
        Ok(n)
    }

    /// Bytes are handed over as buffers fill; [`WriteBehind::finish`] is the real flush.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<T: Send + 'static> Drop for WriteBehind<T> {
    fn drop(&mut self) {
        self.tx = None;
        if let Some(h) = self.worker.take() {
            let _ = h.join();
        }
    }
}

/// A reader whose bytes are read (and hashed) ahead by a second thread; [`ReadAhead::digest`]
/// gives the SHA-256 and size of everything read once the end was reached.
pub(crate) struct ReadAhead {
    rx: Option<Receiver<io::Result<Buf>>>,
    spare: Option<SyncSender<Buf>>,
    buf: Buf,
    pos: usize,
    ended: bool,
    worker: Option<JoinHandle<(Sha256, u64)>>,
}

impl ReadAhead {
    /// Starts the reading thread over `r`.
    pub(crate) fn new<R: Read + Send + 'static>(mut r: R) -> io::Result<Self> {
        let (tx, rx) = sync_channel::<io::Result<Buf>>(DEPTH);
        let (spare, spare_rx) = sync_channel::<Buf>(DEPTH + 2);
        let worker = std::thread::Builder::new()
            .name("saksi-read".into())
            .spawn(move || {
                let mut hasher = Sha256::new();
                let mut n_total = 0u64;
                loop {
                    let mut b = spare_rx.try_recv().unwrap_or_else(|_| new_buf());
                    b.resize(CHUNK, 0);
                    let got = loop {
                        match r.read(&mut b) {
                            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                            other => break other,
                        }
                    };
                    match got {
                        Ok(n) => {
                            b.truncate(n);
                            hasher.update(&b[..]);
                            n_total += n as u64;
                            // An empty buffer is the end; a closed channel, a reader gone.
                            if tx.send(Ok(b)).is_err() || n == 0 {
                                break;
                            }
                        }
                        Err(e) => {
                            let _ = tx.send(Err(e));
                            break;
                        }
                    }
                }
                (hasher, n_total)
            })?;
        Ok(ReadAhead {
            rx: Some(rx),
            spare: Some(spare),
            buf: new_buf(),
            pos: 0,
            ended: false,
            worker: Some(worker),
        })
    }

    /// SHA-256 (hex) and size of the bytes read, once [`Read::read`] has returned 0.
    pub(crate) fn digest(mut self) -> io::Result<(String, u64)> {
        if !self.ended {
            return Err(io::Error::other("the stream was not read to its end"));
        }
        match self.worker.take().map(|h| h.join()) {
            Some(Ok((h, n))) => Ok((hex::encode(h.finalize()), n)),
            _ => Err(io::Error::other("the reading thread stopped")),
        }
    }
}

impl Read for ReadAhead {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.buf.len() {
            if self.ended || out.is_empty() {
                return Ok(0);
            }
            let next = self
                .rx
                .as_ref()
                .and_then(|rx| rx.recv().ok())
                .ok_or_else(|| io::Error::other("the reading thread stopped"))??;
            let old = std::mem::replace(&mut self.buf, next);
            if let Some(s) = &self.spare {
                let _ = s.try_send(old);
            }
            self.pos = 0;
            if self.buf.is_empty() {
                self.ended = true;
            }
        }
        let n = (self.buf.len() - self.pos).min(out.len());
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

impl Drop for ReadAhead {
    fn drop(&mut self) {
        // Closing both channels stops the reading thread at its next buffer.
        self.rx = None;
        self.spare = None;
        if let Some(h) = self.worker.take() {
            let _ = h.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i * 7 + i / 251) as u8).collect()
    }

    #[test]
    fn write_behind_writes_every_byte_in_order_then_runs_done() {
        for n in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 9 * CHUNK + 123] {
            let data = bytes(n);
            let mut w = WriteBehind::new(Vec::new(), Ok).unwrap();
            for piece in data.chunks(1000) {
                w.write_all(piece).unwrap();
            }
            assert_eq!(
                w.finish().unwrap(),
                data,
                "{n} bytes must arrive whole and in order"
            );
        }
    }

    struct Failing(usize);
    impl Write for Failing {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            if self.0 < b.len() {
                return Err(io::Error::other("disk full"));
            }
            self.0 -= b.len();
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn write_behind_reports_the_writing_threads_own_error() {
        let mut w = WriteBehind::new(Failing(3 * CHUNK), |_| Ok(())).unwrap();
        let data = bytes(20 * CHUNK);
        let r = w.write_all(&data).and_then(|_| w.finish());
        assert_eq!(
            r.expect_err("a failed write must fail the stream")
                .to_string(),
            "disk full"
        );
    }

    #[test]
    fn read_ahead_gives_every_byte_and_their_sha256() {
        for n in [0, 1, CHUNK, 5 * CHUNK + 17] {
            let data = bytes(n);
            let mut r = ReadAhead::new(std::io::Cursor::new(data.clone())).unwrap();
            let mut got = Vec::new();
            r.read_to_end(&mut got).unwrap();
            assert_eq!(got, data);
            let (sha, size) = r.digest().unwrap();
            assert_eq!(
                (sha, size),
                (crate::crypto::hash::sha256_hex(&data), n as u64)
            );
        }
    }

    struct Broken;
    impl Read for Broken {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            Err(io::Error::other("damaged chunk"))
        }
    }

    #[test]
    fn read_ahead_passes_on_the_readers_error_and_gives_no_digest() {
        let mut r = ReadAhead::new(Broken).unwrap();
        let mut got = Vec::new();
        assert_eq!(
            r.read_to_end(&mut got).unwrap_err().to_string(),
            "damaged chunk"
        );
        assert!(r.digest().is_err(), "no digest for a stream that failed");
    }
}
