//! Reads Kubernetes objects from files, directories and standard input: JSON (a List as
//! `kubectl get -o json` prints it, single objects, arrays, a stream of documents) and YAML
//! (documents separated by `---`, each an object or a List).
//!
//! JSON, the form large clusters come in, is cut into objects on this thread while worker
//! threads parse them: memory holds a few batches of objects at a time, whatever the size of
//! the input, and the parse runs on every core.

pub(crate) mod api;
mod json_items;
mod yaml;

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use super::facts::{Gathered, InputSource, ReadAt, ReadProblem};
use super::objects::Object;
use json_items::{ItemRange, Shape, Splitter};

/// How much text is read at a time; objects are handed to the parsers in batches this big.
const CHUNK: usize = 4 * 1024 * 1024;

/// Objects cut from one read of one input, for a worker to parse.
struct Batch {
    input: usize,
    text: bytes::Bytes,
    items: Vec<ItemRange>,
    /// After an API list was started again: the objects up to this `namespace/name` were
    /// read before and are skipped.
    after: Option<std::sync::Arc<str>>,
}

/// What the command line names: a path, a directory, or `-` for standard input.
pub(crate) fn expand(args: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for arg in args {
        let path = Path::new(arg);
        if arg != "-" && path.is_dir() {
            let mut found = Vec::new();
            walk(path, &mut found);
            found.sort();
            if found.is_empty() {
                out.push(arg.clone());
            }
            out.extend(found);
        } else {
            out.push(arg.clone());
        }
    }
    out
}

fn walk(dir: &Path, found: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        // Symbolic links to directories are not followed: a loop would never end.
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            walk(&path, found);
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("json" | "yaml" | "yml")
        ) {
            found.push(path.to_string_lossy().into_owned());
        }
    }
}

/// Reads every input, in order; `stdin` stands for `-`.
pub(crate) fn read_all(
    inputs: &[String],
    stdin: &mut dyn Read,
    show_progress: bool,
) -> (Vec<InputSource>, Gathered) {
    let (mut sources, mut gathered) = with_parsers(show_progress, |send, progress| {
        let mut here = Gathered::default();
        let mut sources = Vec::new();
        for (index, name) in inputs.iter().enumerate() {
            let failure = read_one(index, name, stdin, send, &mut here, progress).err();
            sources.push(InputSource {
                name: if name == "-" {
                    "<stdin>".into()
                } else {
                    name.clone()
                },
                objects: 0,
                failure,
                api_resource: None,
            });
        }
        (sources, here)
    });
    for (index, source) in sources.iter_mut().enumerate() {
        source.objects = gathered.objects_per_input.get(&index).copied().unwrap_or(0);
        if source.objects == 0 && source.failure.is_none() {
            source.failure = Some(format!("{}: no Kubernetes object in it", source.name));
        }
    }
    gathered.problems.sort();
    (sources, gathered)
}

/// Reads the cluster from the API.
pub(crate) fn read_api(
    how: &api::ApiRead,
    show_progress: bool,
) -> Result<(api::ApiOutcome, Gathered), crate::api::ApiFailure> {
    let (outcome, mut gathered) = with_parsers(show_progress, |send, progress| {
        (api::read(how, send, progress), Gathered::default())
    });
    let mut outcome = outcome?;
    gathered.problems.append(&mut outcome.problems);
    gathered.problems.sort();
    Ok((outcome, gathered))
}

/// Runs `feed` on this thread while worker threads parse the batches it sends; returns what
/// `feed` returns with everything gathered (its own and the workers').
fn with_parsers<R>(
    show_progress: bool,
    feed: impl FnOnce(&SyncSender<Batch>, &mut Progress) -> (R, Gathered),
) -> (R, Gathered) {
    let mut progress = Progress::new(show_progress);
    let workers = std::thread::available_parallelism().map_or(2, usize::from);
    let (send, receive) = sync_channel::<Batch>(workers * 2);
    let receive = Mutex::new(receive);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| scope.spawn(|| parse_batches(&receive)))
            .collect();
        let (result, mut here) = feed(&send, &mut progress);
        drop(send);
        progress.done();
        for h in handles {
            match h.join() {
                Ok(g) => here.merge(g),
                Err(_) => here.problems.push(ReadProblem {
                    at: ReadAt { input: 0, line: 0 },
                    message: "a parser thread stopped unexpectedly".into(),
                }),
            }
        }
        (result, here)
    })
}

fn parse_batches(receive: &Mutex<Receiver<Batch>>) -> Gathered {
    let mut gathered = Gathered::default();
    loop {
        let batch = match receive.lock() {
            Ok(r) => match r.recv() {
                Ok(b) => b,
                Err(_) => break,
            },
            Err(_) => break,
        };
        gathered.objects_per_input.entry(batch.input).or_default();
        for item in &batch.items {
            let at = ReadAt {
                input: batch.input,
                line: item.line,
            };
            match serde_json::from_slice::<Object<'_>>(&batch.text[item.start..item.end]) {
                Ok(object) if read_before(&object, batch.after.as_deref()) => {}
                Ok(object) => gathered.add(&object, at),
                Err(e) => gathered.problems.push(ReadProblem {
                    at: ReadAt {
                        input: batch.input,
                        line: item.line + e.line().saturating_sub(1),
                    },
                    message: format!("an object that is not a Kubernetes object: {e}; skipped"),
                }),
            }
        }
    }
    gathered
}

/// The object was listed before an expired continue token started its list again.
fn read_before(object: &Object<'_>, after: Option<&str>) -> bool {
    after.is_some_and(|after| {
        let meta = &object.metadata;
        api::list_key(meta.namespace.as_deref(), &meta.name).as_str() <= after
    })
}

/// Reads one input; Err when it could not be read at all or stopped early.
fn read_one(
    index: usize,
    name: &str,
    stdin: &mut dyn Read,
    send: &SyncSender<Batch>,
    here: &mut Gathered,
    progress: &mut Progress,
) -> Result<(), String> {
    let mut file;
    let reader: &mut dyn Read = if name == "-" {
        stdin
    } else {
        file = File::open(name).map_err(|e| format!("cannot open {name}: {e}"))?;
        &mut file
    };
    let mut first = Vec::with_capacity(CHUNK);
    fill(reader, &mut first, CHUNK).map_err(|e| format!("cannot read {name}: {e}"))?;
    // A byte order mark is not part of the text (editors on Windows write one).
    if first.starts_with(b"\xEF\xBB\xBF") {
        first.drain(..3);
    }
    let first_byte = first.iter().find(|b| !b.is_ascii_whitespace()).copied();
    if first_byte == Some(b'<') {
        return Err(format!(
            "{name} is neither JSON nor YAML: it starts with `<`, like an HTML page (a proxy or login page answering instead of the API?)"
        ));
    }
    let looks_json = matches!(first_byte, Some(b'{' | b'['));
    let yaml_name = name.ends_with(".yaml") || name.ends_with(".yml");
    if yaml_name || !looks_json && !first.iter().all(u8::is_ascii_whitespace) {
        let mut text = first;
        reader
            .read_to_end(&mut text)
            .map_err(|e| format!("cannot read {name}: {e}"))?;
        let text = String::from_utf8(text).map_err(|_| format!("{name} is not UTF-8 text"))?;
        here.objects_per_input.entry(index).or_default();
        return yaml::read(&text, index, here);
    }
    split_json(index, name, reader, first, send, progress)
}

/// Cuts JSON text into objects and hands them to the workers, one read at a time.
fn split_json(
    index: usize,
    name: &str,
    reader: &mut dyn Read,
    mut buf: Vec<u8>,
    send: &SyncSender<Batch>,
    progress: &mut Progress,
) -> Result<(), String> {
    let mut splitter = Splitter::default();
    let mut scanned = 0;
    loop {
        let mut items = Vec::new();
        let keep = match splitter.scan(&buf, scanned, &mut items) {
            Ok(keep) => keep,
            Err(shape) => {
                // The objects complete before the problem are still read.
                if !items.is_empty() {
                    let _ = send.send(Batch {
                        input: index,
                        text: buf.into(),
                        items,
                        after: None,
                    });
                }
                return Err(match shape {
                    Shape::NotJson { line } => format!(
                        "{name}:{line}: not JSON (text outside any object); the rest of the file is skipped"
                    ),
                    Shape::Unbalanced { line } => format!(
                        "{name}:{line}: a closing bracket that matches nothing; the rest of the file is skipped"
                    ),
                });
            }
        };
        // The objects go to a worker with this buffer; what is left of an unfinished one
        // starts the next.
        let mut next = Vec::with_capacity(CHUNK + buf.len() - keep);
        next.extend_from_slice(&buf[keep..]);
        splitter.shift(keep);
        scanned = next.len();
        let text = std::mem::replace(&mut buf, next);
        let cut = items.len();
        if !items.is_empty()
            && send
                .send(Batch {
                    input: index,
                    text: text.into(),
                    items,
                    after: None,
                })
                .is_err()
        {
            return Err("the parsers stopped".into());
        }
        let read = fill(reader, &mut buf, CHUNK).map_err(|e| format!("cannot read {name}: {e}"))?;
        progress.tick(name, read, cut);
        if read == 0 {
            break;
        }
    }
    if splitter.unfinished() {
        return Err(format!(
            "{name}: the text ends inside an object (at line {}): the input was cut short; the objects before it were read",
            splitter.line()
        ));
    }
    Ok(())
}

/// A line on stderr saying how far the reading got, when stderr is a terminal.
struct Progress {
    enabled: bool,
    bytes: u64,
    objects: u64,
    shown: Option<std::time::Instant>,
}

impl Progress {
    fn new(enabled: bool) -> Progress {
        Progress {
            enabled,
            bytes: 0,
            objects: 0,
            shown: None,
        }
    }

    fn tick(&mut self, name: &str, bytes: usize, objects: usize) {
        self.bytes += bytes as u64;
        self.objects += objects as u64;
        if !self.enabled || self.shown.is_some_and(|t| t.elapsed().as_millis() < 100) {
            return;
        }
        self.shown = Some(std::time::Instant::now());
        eprint!(
            "\r\x1b[Kreading {name}: {} MiB, {} objects",
            self.bytes >> 20,
            self.objects
        );
    }

    fn done(&self) {
        if self.enabled && self.shown.is_some() {
            eprint!("\r\x1b[K");
        }
    }
}

/// Appends up to `want` bytes; returns how many (0 at the end of the input).
fn fill(reader: &mut dyn Read, buf: &mut Vec<u8>, want: usize) -> io::Result<usize> {
    let start = buf.len();
    buf.resize(start + want, 0);
    let mut got = 0;
    while got < want {
        match reader.read(&mut buf[start + got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                buf.truncate(start + got);
                return Err(e);
            }
        }
    }
    buf.truncate(start + got);
    Ok(got)
}
