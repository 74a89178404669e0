//! Static embeddings: a table of one vector per token, a text's vector the
//! mean of its tokens' (model2vec's method, Tulkens and van Dongen, 2024).
//! No transformer runs, so a section is embedded in microseconds instead
//! of milliseconds, at some cost in quality: a token's vector is the same
//! in every context. [`super::distill`] makes such a table from a
//! transformer.
//!
//! A table's folder is model2vec's layout (`config.json` with
//! `"model_type": "model2vec"`, `tokenizer.json`, and `model.safetensors`
//! holding `embeddings`), with optional per-token `weights` and a
//! `mapping` of tokens to rows, which quire applies.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::{Mutex, OnceLock};

use serde::Deserialize;
use tokenizers::Tokenizer;

use super::identity::WEIGHTS_FILE;
use crate::error::{Error, Result};

/// The most tokens of a text a table averages, as model2vec's `encode`.
pub(crate) const MAX_TOKENS: usize = 512;

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

#[cfg(test)]
mod tests {
    use candle_core::{DType, Device, Tensor};

    use super::*;
    use crate::embed::model::Model;

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
