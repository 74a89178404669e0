//! Static embeddings: a table of one vector per token, a text's vector the
//! mean of its tokens' (model2vec's method, Tulkens and van Dongen, 2024).
//! No transformer runs, so a section is embedded in microseconds instead
//! of milliseconds, at some cost in quality: a token's vector is the same
//! in every context.
//!
//! [`distill`] makes such a table from a transformer: each token of its
//! vocabulary is embedded once, on its own between the special tokens
//! (`[SEP] token [CLS]`, in model2vec's order, which its authors found
//! better than the natural one), the mean of the three output states. The
//! table is then centred (its mean removed: the part every token shares,
//! which would make every text look alike) and each row weighted by SIF
//! (`a / (a + p)`, `a = 1e-4`; Arora et al., 2017) with `p` a token's
//! frequency as Zipf's law estimates it from its rank in the vocabulary,
//! so that frequent tokens, first in WordPiece vocabularies, count less.
//! model2vec also reduces the table to 256 dimensions with PCA; a PCA
//! keeping every dimension is a rotation of the centred table, which
//! leaves cosines as they are, so quire keeps the model's dimensions.
//!
//! The folder written is model2vec's layout (`config.json` with
//! `"model_type": "model2vec"`, `tokenizer.json`, and `model.safetensors`
//! holding `embeddings`), which model2vec's own library loads, and quire
//! loads model2vec's folders in turn, with their optional per-token
//! `weights` and `mapping` of tokens to rows.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use candle_core::{DType, Device, Tensor};
use serde::Deserialize;
use tokenizers::Tokenizer;

use super::bert::{self, Bert};
use super::identity::WEIGHTS_FILE;
use super::model::{Model, one_line};
use crate::error::{Error, Result};

/// The most tokens of a text a table averages, as model2vec's `encode`.
pub(crate) const MAX_TOKENS: usize = 512;

/// SIF's `a`: the frequency at which a token's weight is one half.
const SIF: f64 = 1e-4;

/// Tokens embedded at a time while distilling.
const DISTILL_BATCH: usize = 512;

/// Up to this many distinct tokens (a query's), a text's rows are read
/// from the file one by one; more, and the whole table is read once and
/// kept. A search then costs a few reads instead of the table's 47 MB.
const FEW_ROWS: usize = 64;

/// A static table, opened: its vectors are read from the file as needed.
pub(crate) struct Table {
    /// The weights file, and where in it the table's numbers start.
    file: Mutex<File>,
    start: u64,
    dtype: Dtype,
    rows: usize,
    dimensions: usize,
    /// Every row, once a text with many tokens has needed them.
    whole: OnceLock<Vec<f32>>,
    /// The row of each token id, when not the id itself.
    mapping: Option<Vec<u32>>,
    /// Each token id's weight, when the table has them.
    weights: Option<Vec<f32>>,
    /// How many token ids the table covers.
    tokens: usize,
    /// The unknown token, which stands for no meaning and is left out.
    unknown: Option<u32>,
}

/// How the table's numbers are stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dtype {
    F32,
    F16,
    Bf16,
}

impl Dtype {
    fn size(self) -> usize {
        match self {
            Dtype::F32 => 4,
            Dtype::F16 | Dtype::Bf16 => 2,
        }
    }

    /// The numbers of `bytes`, little-endian, into `out`.
    fn decode(self, bytes: &[u8], out: &mut [f32]) {
        match self {
            Dtype::F32 => {
                for (o, b) in out.iter_mut().zip(bytes.chunks_exact(4)) {
                    *o = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                }
            }
            Dtype::F16 => {
                for (o, b) in out.iter_mut().zip(bytes.chunks_exact(2)) {
                    *o = f16_to_f32(u16::from_le_bytes([b[0], b[1]]));
                }
            }
            Dtype::Bf16 => {
                for (o, b) in out.iter_mut().zip(bytes.chunks_exact(2)) {
                    *o = f32::from_bits(u32::from(u16::from_le_bytes([b[0], b[1]])) << 16);
                }
            }
        }
    }
}

/// An IEEE half-precision number's value.
fn f16_to_f32(h: u16) -> f32 {
    let sign = if h & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exponent = i32::from((h >> 10) & 0x1f);
    let fraction = f32::from(h & 0x3ff);
    match exponent {
        0 => sign * fraction * 2f32.powi(-24),
        0x1f if fraction == 0.0 => sign * f32::INFINITY,
        0x1f => f32::NAN,
        _ => sign * (1.0 + fraction / 1024.0) * 2f32.powi(exponent - 15),
    }
}

#[derive(Deserialize)]
struct TableConfig {
    hidden_dim: Option<usize>,
}

/// One tensor's entry in a safetensors header.
#[derive(Deserialize)]
struct Entry {
    dtype: String,
    shape: Vec<usize>,
    data_offsets: [u64; 2],
}

/// The most bytes a safetensors header may have (its format's own limit).
const MAX_HEADER: u64 = 100_000_000;

impl Table {
    /// Opens the table in `dir`, whose `config.json` and `tokenizer.json`
    /// are given; the error is what is wrong with the folder.
    pub(crate) fn load(
        dir: &Path,
        config: &[u8],
        tokenizer: &Tokenizer,
        tokenizer_json: &[u8],
    ) -> std::result::Result<Table, String> {
        let config: TableConfig =
            serde_json::from_slice(config).map_err(|e| format!("config.json: {e}"))?;
        let io = |e: std::io::Error| format!("{WEIGHTS_FILE}: {e}");
        let bad = |what: &str| format!("{WEIGHTS_FILE}: {what}");
        let mut file = File::open(dir.join(WEIGHTS_FILE)).map_err(io)?;
        let length = file.metadata().map_err(io)?.len();
        let mut size = [0u8; 8];
        file.read_exact(&mut size).map_err(io)?;
        let header_size = u64::from_le_bytes(size);
        if header_size > MAX_HEADER || 8 + header_size > length {
            return Err(bad("not a safetensors file"));
        }
        let mut header = vec![0u8; header_size as usize];
        file.read_exact(&mut header).map_err(io)?;
        let mut entries: HashMap<String, serde_json::Value> = serde_json::from_slice(&header)
            .map_err(|e| bad(&format!("not a safetensors file ({e})")))?;
        let data = 8 + header_size;
        let mut entry = |name: &str| -> std::result::Result<Option<Entry>, String> {
            let Some(value) = entries.remove(name) else {
                return Ok(None);
            };
            let entry: Entry =
                serde_json::from_value(value).map_err(|e| bad(&format!("\"{name}\": {e}")))?;
            let [from, to] = entry.data_offsets;
            let count: usize = entry.shape.iter().product();
            let size = match entry.dtype.as_str() {
                "F32" | "I32" | "U32" => 4,
                "F16" | "BF16" => 2,
                "I64" | "U64" => 8,
                other => return Err(bad(&format!("\"{name}\" holds {other} numbers"))),
            };
            if from > to || data + to > length || (to - from) as usize != count * size {
                return Err(bad(&format!("\"{name}\" does not fit in the file")));
            }
            Ok(Some(entry))
        };
        let embeddings =
            entry("embeddings")?.ok_or_else(|| bad("no tensor named \"embeddings\""))?;
        let (rows, dimensions) = match embeddings.shape[..] {
            [rows, dimensions] if rows > 0 && dimensions > 0 => (rows, dimensions),
            _ => return Err(bad("\"embeddings\" is not a matrix of numbers")),
        };
        let dtype = match embeddings.dtype.as_str() {
            "F32" => Dtype::F32,
            "F16" => Dtype::F16,
            "BF16" => Dtype::Bf16,
            other => return Err(bad(&format!("\"embeddings\" holds {other} numbers"))),
        };
        if config.hidden_dim.is_some_and(|d| d != dimensions) {
            return Err(format!(
                "config.json's hidden_dim is not the {dimensions} columns of \"embeddings\""
            ));
        }
        let mut read = |entry: &Entry| -> std::result::Result<Vec<u8>, String> {
            let [from, to] = entry.data_offsets;
            let mut bytes = vec![0u8; (to - from) as usize];
            file.seek(SeekFrom::Start(data + from)).map_err(io)?;
            file.read_exact(&mut bytes).map_err(io)?;
            Ok(bytes)
        };
        let mapping = match entry("mapping")? {
            None => None,
            Some(m) => {
                let bytes = read(&m)?;
                let ids: Vec<i64> = match m.dtype.as_str() {
                    "I64" | "U64" => bytes
                        .chunks_exact(8)
                        .map(|b| i64::from_le_bytes(b.try_into().expect("8 bytes")))
                        .collect(),
                    "I32" | "U32" => bytes
                        .chunks_exact(4)
                        .map(|b| i64::from(u32::from_le_bytes(b.try_into().expect("4 bytes"))))
                        .collect(),
                    _ => return Err(bad("\"mapping\" does not hold integers")),
                };
                let rows_of = ids
                    .iter()
                    .map(|&r| u32::try_from(r).ok().filter(|&r| (r as usize) < rows))
                    .collect::<Option<Vec<u32>>>()
                    .ok_or_else(|| bad("\"mapping\" names a row that does not exist"))?;
                Some(rows_of)
            }
        };
        let tokens = mapping.as_ref().map_or(rows, Vec::len);
        let weights = match entry("weights")? {
            None => None,
            Some(w) => {
                let kind = match w.dtype.as_str() {
                    "F32" => Dtype::F32,
                    "F16" => Dtype::F16,
                    "BF16" => Dtype::Bf16,
                    _ => return Err(bad("\"weights\" does not hold real numbers")),
                };
                let bytes = read(&w)?;
                let mut weights = vec![0f32; bytes.len() / kind.size()];
                kind.decode(&bytes, &mut weights);
                if weights.len() != tokens {
                    return Err(bad(&format!(
                        "\"weights\" has {} numbers for {tokens} tokens",
                        weights.len()
                    )));
                }
                Some(weights)
            }
        };
        let vocabulary = tokenizer.get_vocab_size(true);
        if vocabulary > tokens {
            return Err(format!(
                "tokenizer.json has {vocabulary} tokens and the table vectors for {tokens}"
            ));
        }
        Ok(Table {
            file: Mutex::new(file),
            start: data + embeddings.data_offsets[0],
            dtype,
            rows,
            dimensions,
            whole: OnceLock::new(),
            mapping,
            weights,
            tokens,
            unknown: unknown_token(tokenizer, tokenizer_json),
        })
    }

    /// How many numbers each vector has.
    pub(crate) fn dimensions(&self) -> usize {
        self.dimensions
    }

    /// The mean of the vectors of `ids` (zero for none).
    pub(crate) fn mean(&self, ids: &[u32]) -> Result<Vec<f32>> {
        let mut counted: Vec<(usize, f32)> = Vec::with_capacity(ids.len());
        for &id in ids {
            let token = id as usize;
            if Some(id) == self.unknown || token >= self.tokens {
                continue;
            }
            let row = self.mapping.as_ref().map_or(token, |m| m[token] as usize);
            let weight = self.weights.as_ref().map_or(1.0, |w| w[token]);
            counted.push((row, weight));
        }
        let mut sum = vec![0f32; self.dimensions];
        if counted.is_empty() {
            return Ok(sum);
        }
        let mut add = |vector: &[f32], weight: f32| {
            for (s, v) in sum.iter_mut().zip(vector) {
                *s += weight * v;
            }
        };
        let mut distinct: Vec<usize> = counted.iter().map(|&(row, _)| row).collect();
        distinct.sort_unstable();
        distinct.dedup();
        if self.whole.get().is_none() && distinct.len() <= FEW_ROWS {
            let mut rows = HashMap::with_capacity(distinct.len());
            for row in distinct {
                rows.insert(row, self.read_row(row)?);
            }
            for (row, weight) in &counted {
                add(&rows[row], *weight);
            }
        } else {
            let whole = match self.whole.get() {
                Some(whole) => whole,
                None => {
                    let read = self.read_whole()?;
                    self.whole.get_or_init(|| read)
                }
            };
            for &(row, weight) in &counted {
                add(
                    &whole[row * self.dimensions..(row + 1) * self.dimensions],
                    weight,
                );
            }
        }
        let n = counted.len() as f32;
        sum.iter_mut().for_each(|s| *s /= n);
        Ok(sum)
    }

    /// `count` rows from `row` on, read from the file.
    fn read_rows(&self, row: usize, count: usize) -> Result<Vec<f32>> {
        let width = self.dimensions * self.dtype.size();
        let mut bytes = vec![0u8; count * width];
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        file.seek(SeekFrom::Start(self.start + (row * width) as u64))
            .and_then(|_| file.read_exact(&mut bytes))
            .map_err(|e| Error::Embedding(format!("{WEIGHTS_FILE}: {e}")))?;
        drop(file);
        let mut out = vec![0f32; count * self.dimensions];
        self.dtype.decode(&bytes, &mut out);
        Ok(out)
    }

    fn read_row(&self, row: usize) -> Result<Vec<f32>> {
        self.read_rows(row, 1)
    }

    fn read_whole(&self) -> Result<Vec<f32>> {
        self.read_rows(0, self.rows)
    }
}

/// The id of the tokenizer's unknown token (`model.unk_token` in its
/// file), if it has one.
fn unknown_token(tokenizer: &Tokenizer, json: &[u8]) -> Option<u32> {
    #[derive(Deserialize)]
    struct File {
        model: Inner,
    }
    #[derive(Deserialize)]
    struct Inner {
        unk_token: Option<String>,
    }
    let file: File = serde_json::from_slice(json).ok()?;
    tokenizer.token_to_id(&file.model.unk_token?)
}

/// What [`distill`] made.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Distilled {
    /// Tokens given a vector (the vocabulary less its `[unusedN]` slots).
    pub tokens: usize,
    /// How many numbers each vector has.
    pub dimensions: usize,
}

/// Writes to the folder `out` a static table distilled from `model`, a
/// transformer (see the module's notes for the method). `progress` is told
/// the tokens embedded so far and their total, from any thread. `out` must
/// not exist, or be an empty folder; it appears whole or not at all.
///
/// # Errors
///
/// [`Error::Model`] when `model` is itself a static table or its tokenizer
/// adds no special tokens around a text, [`Error::Io`] when `out` cannot
/// be written (or is a folder with files in it), [`Error::Embedding`] when
/// the model fails to run.
pub fn distill(
    model: &Model,
    out: &Path,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Distilled> {
    let source = &model.identity().path;
    let refuse = |reason: &str| Error::Model {
        path: source.clone(),
        reason: reason.into(),
    };
    let (bert, tokenizer) = model
        .transformer()
        .ok_or_else(|| refuse("it is already a static table: distil a transformer's folder"))?;
    if std::fs::read_dir(out).is_ok_and(|mut entries| entries.next().is_some()) {
        return Err(Error::io(
            std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "a folder with files in it; give a new one",
            ),
            out,
        ));
    }
    let ends = tokenizer
        .encode("a", true)
        .map_err(|e| Error::Embedding(one_line(&e)))?;
    let (first, last) = match ends.get_ids() {
        [first, .., last] if ends.get_ids().len() >= 3 => (*first, *last),
        _ => return Err(refuse("its tokenizer adds no special tokens around a text")),
    };
    let mut names = vec![String::new(); tokenizer.get_vocab_size(true)];
    for (name, id) in tokenizer.get_vocab(true) {
        if let Some(slot) = names.get_mut(id as usize) {
            *slot = name;
        }
    }
    let vocabulary = names.len();
    let hidden = model.dimensions();
    let table = embed_tokens(bert, vocabulary, hidden, (last, first), progress)?;
    let kept: Vec<bool> = names.iter().map(|name| !is_unused(name)).collect();
    let table = centred_and_weighted(table, hidden, &kept);
    write_folder(out, source, model, &table, vocabulary, hidden)?;
    Ok(Distilled {
        tokens: kept.iter().filter(|&&k| k).count(),
        dimensions: hidden,
    })
}

/// Each token's vector: the mean of the output states of `[open, token,
/// close]`, `vocabulary × hidden` numbers, embedded on every core.
fn embed_tokens(
    bert: &Bert,
    vocabulary: usize,
    hidden: usize,
    (open, close): (u32, u32),
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Vec<f32>> {
    let failed = |e: candle_core::Error| Error::Embedding(one_line(&e));
    let table = Mutex::new(vec![0f32; vocabulary * hidden]);
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let batch = |start: usize| -> Result<()> {
        let end = (start + DISTILL_BATCH).min(vocabulary);
        let ids: Vec<u32> = (start as u32..end as u32)
            .flat_map(|id| [open, id, close])
            .collect();
        let n = end - start;
        let ids = Tensor::from_vec(ids, (n, 3), &Device::Cpu).map_err(failed)?;
        let mask = Tensor::ones((n, 3), DType::F32, &Device::Cpu).map_err(failed)?;
        let states = bert.forward(&ids, &mask).map_err(failed)?;
        let means = bert::mean_pool(&states, &mask)
            .and_then(|t| t.flatten_all()?.to_vec1::<f32>())
            .map_err(failed)?;
        let mut table = table.lock().unwrap_or_else(|e| e.into_inner());
        table[start * hidden..end * hidden].copy_from_slice(&means);
        drop(table);
        progress(done.fetch_add(n, Ordering::Relaxed) + n, vocabulary);
        Ok(())
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| -> Result<()> {
                    loop {
                        let start = next.fetch_add(DISTILL_BATCH, Ordering::Relaxed);
                        if start >= vocabulary {
                            return Ok(());
                        }
                        batch(start)?;
                    }
                })
            })
            .collect();
        workers.into_iter().try_for_each(|w| {
            w.join()
                .unwrap_or_else(|_| Err(Error::Embedding("a distilling thread failed".into())))
        })
    })?;
    Ok(table.into_inner().unwrap_or_else(|e| e.into_inner()))
}

/// Whether `name` is one of a WordPiece vocabulary's `[unusedN]` slots,
/// which no text produces.
fn is_unused(name: &str) -> bool {
    name.strip_prefix("[unused")
        .and_then(|rest| rest.strip_suffix(']'))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// `table` with the mean of its `kept` rows subtracted from them and each
/// scaled by its SIF weight, the other rows zero.
fn centred_and_weighted(mut table: Vec<f32>, hidden: usize, kept: &[bool]) -> Vec<f32> {
    let count = kept.iter().filter(|&&k| k).count();
    let mut mean = vec![0f64; hidden];
    for (row, _) in table.chunks_exact(hidden).zip(kept).filter(|(_, k)| **k) {
        for (m, &v) in mean.iter_mut().zip(row) {
            *m += f64::from(v);
        }
    }
    mean.iter_mut().for_each(|m| *m /= count.max(1) as f64);
    // Zipf: the token of rank r (from 0) has frequency 1 / (r + 2),
    // normalised over the vocabulary.
    let total: f64 = (0..count).map(|r| 1.0 / (r as f64 + 2.0)).sum();
    let mut rank = 0usize;
    for (row, &keep) in table.chunks_exact_mut(hidden).zip(kept) {
        if !keep {
            row.fill(0.0);
            continue;
        }
        let p = 1.0 / (rank as f64 + 2.0) / total;
        let weight = SIF / (SIF + p);
        for (v, m) in row.iter_mut().zip(&mean) {
            *v = ((f64::from(*v) - m) * weight) as f32;
        }
        rank += 1;
    }
    table
}

/// Writes the table's folder beside `out`, then renames it to `out`.
fn write_folder(
    out: &Path,
    source: &Path,
    model: &Model,
    table: &[f32],
    vocabulary: usize,
    hidden: usize,
) -> Result<()> {
    let name = out
        .file_name()
        .map_or_else(|| "table".into(), |n| n.to_string_lossy().into_owned());
    let partial = out.with_file_name(format!(".{name}.partial-{}", std::process::id()));
    let written = (|| -> Result<()> {
        std::fs::create_dir_all(&partial).map_err(|e| Error::io(e, &partial))?;
        let tokenizer = source.join("tokenizer.json");
        std::fs::copy(&tokenizer, partial.join("tokenizer.json"))
            .map_err(|e| Error::io(e, &tokenizer))?;
        let config = serde_json::json!({
            "model_type": "model2vec",
            "architectures": ["StaticModel"],
            "hidden_dim": hidden,
            "seq_length": MAX_TOKENS,
            "normalize": true,
            "apply_pca": null,
            "sif_coefficient": SIF,
            "base_model": model.identity().name,
            "base_model_weights": model.identity().weights,
            "distilled_by": concat!("quire ", env!("CARGO_PKG_VERSION")),
        });
        let path = partial.join("config.json");
        std::fs::write(&path, format!("{config:#}\n")).map_err(|e| Error::io(e, &path))?;
        let tensor = Tensor::from_slice(table, (vocabulary, hidden), &Device::Cpu)
            .map_err(|e| Error::Embedding(one_line(&e)))?;
        let path = partial.join(WEIGHTS_FILE);
        candle_core::safetensors::save(&HashMap::from([("embeddings", tensor)]), &path).map_err(
            |e| match e {
                candle_core::Error::Io(e) => Error::io(e, &path),
                e => Error::Embedding(one_line(&e)),
            },
        )?;
        // The weights file is written private; it is as shareable as the
        // rest of the folder.
        if let Ok(meta) = std::fs::metadata(partial.join("config.json")) {
            let _ = std::fs::set_permissions(&path, meta.permissions());
        }
        // An empty folder given as `out` is replaced.
        if out.is_dir() {
            std::fs::remove_dir(out).map_err(|e| Error::io(e, out))?;
        }
        std::fs::rename(&partial, out).map_err(|e| Error::io(e, out))
    })();
    if written.is_err() {
        let _ = std::fs::remove_dir_all(&partial);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unused_slots_are_told_from_tokens() {
        assert!(is_unused("[unused0]"));
        assert!(is_unused("[unused993]"));
        assert!(!is_unused("[UNK]"));
        assert!(!is_unused("[unused]"));
        assert!(!is_unused("unused"));
        assert!(!is_unused("[unused1a]"));
    }

    #[test]
    fn the_table_is_centred_and_frequent_tokens_weigh_less() {
        // Three kept tokens and one unused slot, two dimensions.
        let table = vec![1.0, 0.0, 3.0, 2.0, 9.0, 9.0, 5.0, 4.0];
        let kept = [true, true, false, true];
        let out = centred_and_weighted(table, 2, &kept);
        assert_eq!(&out[4..6], &[0.0, 0.0]);
        // The mean of the kept rows is (3, 2): the rows become (-2, -2),
        // (0, 0) and (2, 2), each scaled by a weight that grows with rank.
        assert_eq!(&out[2..4], &[0.0, 0.0]);
        assert!(out[0] < 0.0 && out[0] == out[1]);
        assert!(out[6] > 0.0 && out[6] == out[7]);
        assert!(out[6] > -out[0], "the rarer token weighs more");
    }
}

#[cfg(test)]
mod folder_tests {
    use super::*;

    /// A model2vec folder written by hand: four words, two dimensions.
    fn folder(tensors: HashMap<&str, Tensor>) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let tokenizer = r#"{"version": "1.0", "truncation": null, "padding": null,
            "added_tokens": [], "normalizer": null,
            "pre_tokenizer": {"type": "Whitespace"}, "post_processor": null,
            "decoder": null,
            "model": {"type": "WordLevel",
                      "vocab": {"[UNK]": 0, "cat": 1, "dog": 2, "car": 3},
                      "unk_token": "[UNK]"}}"#;
        std::fs::write(dir.path().join("tokenizer.json"), tokenizer).unwrap();
        std::fs::write(
            dir.path().join("config.json"),
            r#"{"model_type": "model2vec", "hidden_dim": 2, "normalize": true}"#,
        )
        .unwrap();
        candle_core::safetensors::save(&tensors, dir.path().join(WEIGHTS_FILE)).unwrap();
        dir
    }

    fn matrix(values: &[f32], rows: usize) -> Tensor {
        Tensor::from_slice(values, (rows, values.len() / rows), &Device::Cpu).unwrap()
    }

    #[test]
    fn a_text_is_the_mean_of_its_known_tokens() {
        let dir = folder(HashMap::from([(
            "embeddings",
            matrix(&[9.0, 9.0, 1.0, 0.0, 0.0, 1.0, -1.0, 0.0], 4),
        )]));
        let model = Model::load(dir.path()).unwrap();
        assert!(model.is_static());
        assert_eq!(model.dimensions(), 2);
        let v = model
            .embed(&["cat dog", "cat zebra", "zebra", "car"])
            .unwrap();
        let half = std::f32::consts::FRAC_1_SQRT_2;
        assert!((v[0][0] - half).abs() < 1e-6 && (v[0][1] - half).abs() < 1e-6);
        // The unknown word counts for nothing, not for [UNK]'s row.
        assert_eq!(v[1], [1.0, 0.0]);
        assert_eq!(v[2], [0.0, 0.0]);
        assert_eq!(v[3], [-1.0, 0.0]);
    }

    #[test]
    fn half_precision_tables_read_as_their_values() {
        assert_eq!(f16_to_f32(0x3c00), 1.0);
        assert_eq!(f16_to_f32(0xc000), -2.0);
        assert_eq!(f16_to_f32(0x3555), 0.333_251_95);
        assert_eq!(f16_to_f32(0x0001), 2f32.powi(-24));
        assert_eq!(f16_to_f32(0x7c00), f32::INFINITY);
        let values = [0.0, 0.0, 0.5, -0.25, 3.0, 1.0, -1.0, 2.0];
        for dtype in [DType::F16, DType::BF16] {
            let dir = folder(HashMap::from([(
                "embeddings",
                matrix(&values, 4).to_dtype(dtype).unwrap(),
            )]));
            let json = std::fs::read(dir.path().join("tokenizer.json")).unwrap();
            let config = std::fs::read(dir.path().join("config.json")).unwrap();
            let tokenizer = Tokenizer::from_bytes(&json).unwrap();
            let table = Table::load(dir.path(), &config, &tokenizer, &json).unwrap();
            // Row by row, as for a query, and whole, as for sections.
            let rows: Vec<f32> = (0..4).flat_map(|r| table.read_row(r).unwrap()).collect();
            assert_eq!(rows, values, "{dtype:?}");
            assert_eq!(table.read_whole().unwrap(), values, "{dtype:?}");
        }
    }

    #[test]
    fn weights_and_a_mapping_are_applied() {
        let mapping = Tensor::from_slice(&[0i64, 1, 1, 2], 4, &Device::Cpu).unwrap();
        let weights = Tensor::from_slice(&[1f32, 1.0, 3.0, 1.0], 4, &Device::Cpu).unwrap();
        let dir = folder(HashMap::from([
            ("embeddings", matrix(&[0.0, 0.0, 1.0, 0.0, 0.0, 1.0], 3)),
            ("mapping", mapping),
            ("weights", weights),
        ]));
        let model = Model::load(dir.path()).unwrap();
        // cat and dog share a row; dog weighs three times as much.
        let v = model.embed(&["dog car"]).unwrap();
        let norm = 10f32.sqrt();
        assert!((v[0][0] - 3.0 / norm).abs() < 1e-6, "{v:?}");
        assert!((v[0][1] - 1.0 / norm).abs() < 1e-6, "{v:?}");
    }

    #[test]
    fn a_table_that_does_not_fit_its_tokenizer_is_refused() {
        // Three rows for four tokens.
        let dir = folder(HashMap::from([(
            "embeddings",
            matrix(&[0.0, 0.0, 1.0, 0.0, 0.0, 1.0], 3),
        )]));
        let Err(err) = Model::load(dir.path()) else {
            panic!("a short table loaded")
        };
        assert!(err.to_string().contains("vectors for 3"), "{err}");
        let mapping = Tensor::from_slice(&[0i64, 1, 7, 2], 4, &Device::Cpu).unwrap();
        let dir = folder(HashMap::from([
            ("embeddings", matrix(&[0.0, 0.0, 1.0, 0.0, 0.0, 1.0], 3)),
            ("mapping", mapping),
        ]));
        let Err(err) = Model::load(dir.path()) else {
            panic!("a mapping past the table loaded")
        };
        assert!(err.to_string().contains("does not exist"), "{err}");
        // A damaged file: cut short, or not safetensors at all.
        let weights = dir.path().join(WEIGHTS_FILE);
        let bytes = std::fs::read(&weights).unwrap();
        std::fs::write(&weights, &bytes[..bytes.len() - 4]).unwrap();
        let Err(err) = Model::load(dir.path()) else {
            panic!("a cut table loaded")
        };
        assert!(err.to_string().contains("does not fit"), "{err}");
        std::fs::write(&weights, b"\xff\xff\xff\xff\xff\xff\xff\x7fnot a table").unwrap();
        let Err(err) = Model::load(dir.path()) else {
            panic!("garbage loaded")
        };
        assert!(err.to_string().contains("not a safetensors file"), "{err}");
    }
}
