//! A model folder, loaded for embedding, on the CPU, with no network and
//! no Python: a sentence-transformers folder (the tokenizer, the BERT
//! encoder and the pooling its folder asks for), or a static table of
//! token vectors in model2vec's layout ([`super::table`]), such as
//! `quire distill` makes from the former.
//!
//! A folder that works has `config.json` (a BERT-family encoder),
//! `tokenizer.json`, `model.safetensors`, and optionally
//! `1_Pooling/config.json` (mean or CLS pooling; mean when absent),
//! `modules.json` (a `Normalize` module makes unit vectors; quire
//! normalises in any case, as it ranks by cosine) and
//! `sentence_bert_config.json` (`max_seq_length`, 256 when absent; quire
//! reads at most [`SECTION_TOKENS`] of a text in any case). A
//! static table's folder has `config.json` with `"model_type":
//! "model2vec"`, `tokenizer.json` and `model.safetensors` holding the
//! table as `embeddings`.

use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use serde::Deserialize;
use tokenizers::{Tokenizer, TruncationParams};

use super::bert::{self, Bert, Config};
use super::identity::{ModelIdentity, WEIGHTS_FILE, folder_name, weights_hash};
use super::table::Table;
use crate::error::{Error, Result};

/// The most tokens a batch holds, padding included: the attention scores
/// of a batch take `heads × tokens × longest × 4` bytes, 50 MB here.
const BATCH_TOKENS: usize = 4096;

/// The most tokens of a text a transformer reads, whatever longer input
/// its folder allows: all-MiniLM-L6-v2 was trained on inputs of 128
/// tokens, and on the question benchmark it finds sections better from
/// their first 128 tokens than from 256 (MRR@10 by meaning alone 0.487
/// against 0.471, hybrid 0.513 against 0.505), in about 0.65 of the time.
pub(crate) const SECTION_TOKENS: usize = 128;

/// Text past this many bytes is not tokenized: the model reads at most
/// `max_seq_length` tokens, a few bytes each.
const MAX_TEXT_BYTES: usize = 16 * 1024;

/// How a model turns its tokens' states into one vector.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pooling {
    Mean,
    Cls,
}

/// A loaded sentence-embedding model: [`Model::embed`] turns texts into
/// unit vectors, whose dot product is their cosine.
pub struct Model {
    encoder: Encoder,
    tokenizer: Tokenizer,
    max_tokens: usize,
    identity: ModelIdentity,
}

/// What turns a text's tokens into its vector.
enum Encoder {
    /// A transformer, each token's state seen in its context, then pooled.
    Bert(Transformer),
    /// The mean of the tokens' vectors in a table, whatever their context.
    Static(Table),
}

/// A BERT encoder and what its folder says of it.
struct Transformer {
    bert: Bert,
    pooling: Pooling,
    pad_id: u32,
    hidden: usize,
    intermediate: usize,
    layers: usize,
}

#[derive(Deserialize)]
struct PoolingConfig {
    #[serde(default)]
    pooling_mode_cls_token: bool,
    #[serde(default)]
    pooling_mode_mean_tokens: bool,
    #[serde(default)]
    pooling_mode_max_tokens: bool,
    #[serde(default)]
    pooling_mode_mean_sqrt_len_tokens: bool,
}

#[derive(Deserialize)]
struct SentenceConfig {
    max_seq_length: Option<usize>,
}

#[derive(Deserialize)]
struct ModelType {
    model_type: Option<String>,
    pad_token_id: Option<u32>,
}

impl Model {
    /// Loads the model in the folder `dir`.
    ///
    /// # Errors
    ///
    /// [`Error::Model`] when `dir` is not a sentence-transformers folder of
    /// a BERT-family model quire can run, nor a static table's folder.
    pub fn load(dir: impl AsRef<Path>) -> Result<Model> {
        let dir = dir.as_ref();
        let not_a_model = |reason: String| Error::Model {
            path: dir.to_path_buf(),
            reason,
        };
        if !dir.is_dir() {
            return Err(not_a_model("no such folder".into()));
        }
        let read = |name: &str| -> Result<Vec<u8>> {
            std::fs::read(dir.join(name)).map_err(|e| not_a_model(format!("{name}: {e}")))
        };
        let json = |name: &str| -> Result<Option<Vec<u8>>> {
            match std::fs::read(dir.join(name)) {
                Ok(bytes) => Ok(Some(bytes)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(not_a_model(format!("{name}: {e}"))),
            }
        };
        let config_bytes = read("config.json")?;
        let kind: ModelType = serde_json::from_slice(&config_bytes)
            .map_err(|e| not_a_model(format!("config.json: {e}")))?;
        match kind.model_type.as_deref() {
            None | Some("bert") => {}
            Some("model2vec") => return Model::load_table(dir, &config_bytes),
            Some(other) => {
                return Err(not_a_model(format!(
                    "config.json: a {other:?} model; quire runs BERT-family models (model_type \"bert\") and static tables (\"model2vec\")"
                )));
            }
        }
        let config: Config = serde_json::from_slice(&config_bytes)
            .map_err(|e| not_a_model(format!("config.json: {e}")))?;
        if config.num_attention_heads == 0
            || !config
                .hidden_size
                .is_multiple_of(config.num_attention_heads)
        {
            return Err(not_a_model(
                "config.json: hidden_size is not a multiple of num_attention_heads".into(),
            ));
        }
        let pooling = match json("1_Pooling/config.json")? {
            None => Pooling::Mean,
            Some(bytes) => {
                let p: PoolingConfig = serde_json::from_slice(&bytes)
                    .map_err(|e| not_a_model(format!("1_Pooling/config.json: {e}")))?;
                match (p.pooling_mode_mean_tokens, p.pooling_mode_cls_token) {
                    (true, false) => Pooling::Mean,
                    (false, true) => Pooling::Cls,
                    _ if p.pooling_mode_max_tokens || p.pooling_mode_mean_sqrt_len_tokens => {
                        return Err(not_a_model(
                            "1_Pooling/config.json: quire pools by mean or by CLS token only"
                                .into(),
                        ));
                    }
                    _ => {
                        return Err(not_a_model(
                            "1_Pooling/config.json: no single pooling mode is set".into(),
                        ));
                    }
                }
            }
        };
        let max_tokens = match json("sentence_bert_config.json")? {
            None => 256,
            Some(bytes) => serde_json::from_slice::<SentenceConfig>(&bytes)
                .map_err(|e| not_a_model(format!("sentence_bert_config.json: {e}")))?
                .max_seq_length
                .unwrap_or(256),
        }
        .clamp(8, config.max_position_embeddings)
        .min(SECTION_TOKENS);
        let mut tokenizer = Tokenizer::from_bytes(read("tokenizer.json")?)
            .map_err(|e| not_a_model(format!("tokenizer.json: {e}")))?;
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: max_tokens,
                ..TruncationParams::default()
            }))
            .map_err(|e| not_a_model(format!("tokenizer.json: {e}")))?;
        if tokenizer.get_vocab_size(true) > config.vocab_size {
            return Err(not_a_model(
                "tokenizer.json has more tokens than config.json's vocab_size".into(),
            ));
        }
        let weights = read(WEIGHTS_FILE)?;
        let vb = VarBuilder::from_buffered_safetensors(weights, DType::F32, &Device::Cpu)
            .map_err(|e| not_a_model(format!("{WEIGHTS_FILE}: {}", one_line(&e))))?;
        let bert = Bert::load(vb, &config)
            .map_err(|e| not_a_model(format!("{WEIGHTS_FILE}: {}", one_line(&e))))?;
        Ok(Model {
            encoder: Encoder::Bert(Transformer {
                bert,
                pooling,
                pad_id: kind.pad_token_id.unwrap_or(0),
                hidden: config.hidden_size,
                intermediate: config.intermediate_size,
                layers: config.num_hidden_layers,
            }),
            tokenizer,
            max_tokens,
            identity: identity_of(dir, config.hidden_size)?,
        })
    }

    /// Loads the static table in `dir`, whose `config.json` is
    /// `config_bytes`.
    fn load_table(dir: &Path, config_bytes: &[u8]) -> Result<Model> {
        let not_a_model = |reason: String| Error::Model {
            path: dir.to_path_buf(),
            reason,
        };
        let tokenizer_bytes = std::fs::read(dir.join("tokenizer.json"))
            .map_err(|e| not_a_model(format!("tokenizer.json: {e}")))?;
        let mut tokenizer = Tokenizer::from_bytes(&tokenizer_bytes)
            .map_err(|e| not_a_model(format!("tokenizer.json: {e}")))?;
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(None)
            .map_err(|e| not_a_model(format!("tokenizer.json: {e}")))?;
        let table =
            Table::load(dir, config_bytes, &tokenizer, &tokenizer_bytes).map_err(not_a_model)?;
        Ok(Model {
            identity: identity_of(dir, table.dimensions())?,
            encoder: Encoder::Static(table),
            tokenizer,
            max_tokens: super::table::MAX_TOKENS,
        })
    }

    /// Loads `identity`, the model that built the vectors of the index at
    /// `index`, from the folder `dir` (where it was, or where it moved).
    ///
    /// # Errors
    ///
    /// [`Error::ModelMissing`] when `dir` holds no weights,
    /// [`Error::ModelChanged`] when it holds other ones, and the errors of
    /// [`Model::load`].
    pub(crate) fn load_as(identity: &ModelIdentity, dir: &Path, index: &Path) -> Result<Model> {
        if !dir.join(WEIGHTS_FILE).is_file() {
            return Err(Error::ModelMissing {
                index: index.to_path_buf(),
                name: identity.name.clone(),
                model: dir.to_path_buf(),
            });
        }
        let model = Model::load(dir)?;
        if !model.identity().same_model(identity) {
            return Err(Error::ModelChanged {
                index: index.to_path_buf(),
                model: dir.to_path_buf(),
                expected: identity.name.clone(),
            });
        }
        Ok(model)
    }

    /// Which model this is, as an index remembers it.
    pub fn identity(&self) -> &ModelIdentity {
        &self.identity
    }

    /// How many numbers each vector has.
    pub fn dimensions(&self) -> usize {
        self.identity.dimensions
    }

    /// The most tokens of a text the model reads; the rest is cut off.
    pub fn max_tokens(&self) -> usize {
        self.max_tokens
    }

    /// How many tokens of `text` the model reads (at most
    /// [`Model::max_tokens`], the special tokens included).
    ///
    /// # Errors
    ///
    /// [`Error::Embedding`] when the tokenizer fails on it.
    pub fn count_tokens(&self, text: &str) -> Result<usize> {
        let encoding = self
            .tokenizer
            .encode(head(text, MAX_TEXT_BYTES), !self.is_static())
            .map_err(|e| Error::Embedding(one_line(&e)))?;
        Ok(encoding.get_ids().len().min(self.max_tokens))
    }

    /// Whether this is a static table (each token's vector looked up and
    /// averaged) rather than a transformer.
    pub fn is_static(&self) -> bool {
        matches!(self.encoder, Encoder::Static(_))
    }

    /// The multiply-adds of one forward pass over `tokens` tokens, times
    /// two: the arithmetic the embedding of one text costs (none for a
    /// static table's lookups).
    pub fn flops(&self, tokens: usize) -> f64 {
        let Encoder::Bert(t) = &self.encoder else {
            return 0.0;
        };
        let (h, i, layers) = (t.hidden as f64, t.intermediate as f64, t.layers as f64);
        let n = tokens as f64;
        // Q, K, V and the output projection; the feed-forward pair; the
        // attention's scores and weighted sum.
        let per_token = 4.0 * h * h + 2.0 * h * i + 2.0 * n * h;
        2.0 * layers * n * per_token
    }

    /// The unit vector of each text, in order. Texts are cut at
    /// [`Model::max_tokens`] tokens, and batched by length so that little
    /// of the work is padding.
    ///
    /// # Errors
    ///
    /// [`Error::Embedding`] when the model cannot run on a text (it never
    /// should on a model that loaded).
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        let transformer = match &self.encoder {
            Encoder::Bert(transformer) => transformer,
            Encoder::Static(table) => return self.embed_static(table, texts),
        };
        let mut encoded = Vec::with_capacity(texts.len());
        for text in texts {
            let text = head(text, MAX_TEXT_BYTES);
            let encoding = self
                .tokenizer
                .encode(text, true)
                .map_err(|e| Error::Embedding(one_line(&e)))?;
            encoded.push(encoding.get_ids().to_vec());
        }
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| encoded[i].len());
        let mut vectors = vec![Vec::new(); texts.len()];
        let mut start = 0;
        while start < order.len() {
            // Sorted by length: the batch's last text is its longest.
            let mut end = start + 1;
            while end < order.len() && (end + 1 - start) * encoded[order[end]].len() <= BATCH_TOKENS
            {
                end += 1;
            }
            let batch: Vec<&[u32]> = order[start..end]
                .iter()
                .map(|&i| encoded[i].as_slice())
                .collect();
            for (&i, vector) in order[start..end].iter().zip(transformer.run(&batch)?) {
                vectors[i] = vector;
            }
            start = end;
        }
        Ok(vectors)
    }

    /// [`Model::embed`] with a static table: the mean of each text's first
    /// [`Model::max_tokens`] tokens' vectors.
    fn embed_static(&self, table: &Table, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        texts
            .iter()
            .map(|text| {
                let encoding = self
                    .tokenizer
                    .encode(head(text, MAX_TEXT_BYTES), false)
                    .map_err(|e| Error::Embedding(one_line(&e)))?;
                let ids = encoding.get_ids();
                let mut v = table.mean(&ids[..ids.len().min(self.max_tokens)])?;
                normalise(&mut v);
                Ok(v)
            })
            .collect()
    }

    /// The transformer and the tokenizer, for distilling a static table.
    pub(crate) fn transformer(&self) -> Option<(&Bert, &Tokenizer)> {
        match &self.encoder {
            Encoder::Bert(t) => Some((&t.bert, &self.tokenizer)),
            Encoder::Static(_) => None,
        }
    }
}

impl Transformer {
    /// The unit vectors of one batch of token ids.
    fn run(&self, batch: &[&[u32]]) -> Result<Vec<Vec<f32>>> {
        let failed = |e: candle_core::Error| Error::Embedding(one_line(&e));
        let longest = batch.iter().map(|ids| ids.len()).max().unwrap_or(0).max(1);
        let mut ids = Vec::with_capacity(batch.len() * longest);
        let mut mask = Vec::with_capacity(batch.len() * longest);
        for row in batch {
            ids.extend_from_slice(row);
            ids.extend(std::iter::repeat_n(self.pad_id, longest - row.len()));
            mask.extend(std::iter::repeat_n(1f32, row.len()));
            mask.extend(std::iter::repeat_n(0f32, longest - row.len()));
        }
        let shape = (batch.len(), longest);
        let ids = Tensor::from_vec(ids, shape, &Device::Cpu).map_err(failed)?;
        let mask = Tensor::from_vec(mask, shape, &Device::Cpu).map_err(failed)?;
        let hidden = self.bert.forward(&ids, &mask).map_err(failed)?;
        let pooled = match self.pooling {
            Pooling::Mean => bert::mean_pool(&hidden, &mask),
            Pooling::Cls => bert::cls_pool(&hidden),
        }
        .map_err(failed)?;
        let mut vectors: Vec<Vec<f32>> = pooled.to_vec2().map_err(failed)?;
        for v in &mut vectors {
            normalise(v);
        }
        Ok(vectors)
    }
}

/// What an index remembers of the model in `dir`, whose vectors have
/// `dimensions` numbers.
fn identity_of(dir: &Path, dimensions: usize) -> Result<ModelIdentity> {
    let path = std::path::absolute(dir).unwrap_or_else(|_| PathBuf::from(dir));
    Ok(ModelIdentity {
        name: folder_name(&path),
        dimensions,
        weights: weights_hash(dir)?,
        path,
    })
}

/// Scales `v` to length 1 (a zero vector stays zero).
pub(crate) fn normalise(v: &mut [f32]) {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
}

/// The first `max` bytes of `text`, cut at a character boundary.
fn head(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

pub(crate) fn one_line(e: &dyn std::fmt::Display) -> String {
    crate::error::one_line(&e.to_string())
}
