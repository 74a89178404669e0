//! Distilling a static [`super::table`] from a transformer: each token of
//! its vocabulary is embedded once, on its own between the special tokens
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
//! The folder written is model2vec's layout, which model2vec's own
//! library loads as well as quire.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use candle_core::{DType, Device, Tensor};

use super::bert::{self, Bert};
use super::identity::WEIGHTS_FILE;
use super::model::{Model, one_line};
use super::table::MAX_TOKENS;
use crate::error::{Error, Result};

/// SIF's `a`: the frequency at which a token's weight is one half.
const SIF: f64 = 1e-4;

/// Tokens embedded at a time while distilling.
const DISTILL_BATCH: usize = 512;

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
