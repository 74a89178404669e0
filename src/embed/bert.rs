//! A BERT encoder's forward pass on the CPU, over candle's tensors: token,
//! position and type embeddings, then the encoder's layers of self-attention
//! and feed-forward, each with a residual and a layer norm (Devlin et al.,
//! 2019). Weights are read by their names in Hugging Face's checkpoints
//! (`encoder.layer.{i}.attention.self.query.weight`, ...).

use candle_core::{D, DType, Module, Result, Tensor};
use candle_nn::{Embedding, LayerNorm, Linear, VarBuilder, embedding, layer_norm, linear};
use serde::Deserialize;

/// The parts of a BERT `config.json` the forward pass reads.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct Config {
    pub vocab_size: usize,
    pub hidden_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    pub intermediate_size: usize,
    pub max_position_embeddings: usize,
    #[serde(default = "two")]
    pub type_vocab_size: usize,
    #[serde(default = "epsilon")]
    pub layer_norm_eps: f64,
    #[serde(default = "gelu")]
    pub hidden_act: String,
}

fn two() -> usize {
    2
}

fn epsilon() -> f64 {
    1e-12
}

fn gelu() -> String {
    "gelu".into()
}

struct Layer {
    query: Dense,
    key: Dense,
    value: Dense,
    attention_out: Dense,
    attention_norm: LayerNorm,
    intermediate: Dense,
    output: Dense,
    output_norm: LayerNorm,
}

/// Up to this many tokens (a query's), a dense layer is computed row by
/// row of its weight ([`DotRows`]), half the rows on each of two cores
/// (the query pool's); more, by the matrix product library. Measured per
/// query (`bench/embed.rs`, medians of 200 queries, 2 cores): 15.6 tokens
/// 7.1–7.5 ms against 9.5–10.0 ms on one core; 25.6 tokens 9.8–10.5 ms
/// against 14.7–15.4 ms by the library; at 42.5 tokens a bound of 64 gave
/// 16.0–17.8 ms against 18.7–19.4 ms, with a worse p99: not kept.
const FEW_TOKENS: usize = 32;

/// Two threads for a query's layers, if the machine has two cores.
fn query_pool() -> Option<&'static rayon::ThreadPool> {
    static POOL: std::sync::OnceLock<Option<rayon::ThreadPool>> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        if cores < 2 {
            return None;
        }
        rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .thread_name(|i| format!("quire-query-{i}"))
            .build()
            .ok()
    })
    .as_ref()
}

/// Rows of `W` that [`DotRows`] takes at a time, which stay in the core's
/// cache for the next 8 tokens.
const W_ROWS: usize = 64;

/// A dense layer, `x · Wᵀ + b`, `W` stored as checkpoints have it,
/// `(outputs, inputs)`.
///
/// The matrix product library copies `W` into its own layout at every
/// product, element by element; over a batch of sections that is paid
/// once for thousands of tokens, but for a query's dozen it cost three
/// times the arithmetic, and read in place by the library instead, `W`
/// is walked across its rows, a new page at every step. [`DotRows`]
/// reads each row of `W` once, in order, against 8 tokens at a time.
struct Dense {
    linear: Linear,
    /// `W` again, rounded to bfloat16 (the upper half of each f32): for
    /// [`DotRows`], which is bound by reading `W` from memory; at half the
    /// size the encoder's weights fit in the last level cache.
    half: Vec<u16>,
    bias: Vec<f32>,
}

impl Dense {
    fn load(inputs: usize, outputs: usize, vb: VarBuilder) -> Result<Dense> {
        let linear = linear(inputs, outputs, vb)?;
        let half = linear
            .weight()
            .flatten_all()?
            .to_vec1::<f32>()?
            .into_iter()
            .map(bfloat16)
            .collect();
        let bias = match linear.bias() {
            Some(bias) => bias.to_vec1::<f32>()?,
            None => vec![0.0; outputs],
        };
        Ok(Dense { linear, half, bias })
    }

    /// `x` is `(batch, tokens, inputs)`.
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let (batch, tokens, _) = x.dims3()?;
        if batch * tokens > FEW_TOKENS {
            return self.linear.forward(x);
        }
        let rows = x.flatten_all()?.to_vec1::<f32>()?;
        let outputs = self.bias.len();
        let n = self.half.len() / outputs.max(1);
        let mut out = vec![0f32; batch * tokens * outputs];
        let dot = |w: &[u16], bias: &[f32], out: &mut [f32]| {
            pulp::Arch::new().dispatch(DotRows {
                rows: &rows,
                w,
                bias,
                out,
            });
        };
        // Half the outputs on another core: a query's products are a few
        // hundred microseconds each, long enough to share.
        let half = (outputs / 2).next_multiple_of(W_ROWS);
        if rayon::current_num_threads() < 2 || half >= outputs {
            dot(&self.half, &self.bias, &mut out);
        } else {
            let rest = outputs - half;
            let mut second = vec![0f32; batch * tokens * rest];
            rayon::join(
                || {
                    dot(
                        &self.half[..half * n],
                        &self.bias[..half],
                        &mut out[..batch * tokens * half],
                    )
                },
                || dot(&self.half[half * n..], &self.bias[half..], &mut second),
            );
            // `out` holds `tokens × half` values, then room: spread them to
            // `tokens × outputs`, the last token first, and interleave.
            for t in (0..batch * tokens).rev() {
                out.copy_within(t * half..(t + 1) * half, t * outputs);
                out[t * outputs + half..(t + 1) * outputs]
                    .copy_from_slice(&second[t * rest..(t + 1) * rest]);
            }
        }
        Tensor::from_vec(out, (batch, tokens, outputs), x.device())
    }
}

/// `x` rounded to the nearest bfloat16, ties to even.
fn bfloat16(x: f32) -> u16 {
    let bits = x.to_bits();
    // Wrapping: the bits of a NaN may round past the top.
    (bits.wrapping_add(0x7fff + ((bits >> 16) & 1)) >> 16) as u16
}

/// `out[t][o] = bias[o] + Σᵢ rows[t][i] · w[o][i]`, for `rows` of `n`
/// values each (`n = w.len() / bias.len()`), in the widest vectors the CPU
/// has (chosen at run time). Tokens go 8 at a time, interleaved a vector
/// at a time, so that each vector of a row of `w`, read once, in order,
/// meets the 8 tokens' in 8 accumulators held in registers; 64 rows of `w`
/// at a time stay in the core's cache for the next 8 tokens.
struct DotRows<'a> {
    rows: &'a [f32],
    /// Bfloat16.
    w: &'a [u16],
    bias: &'a [f32],
    out: &'a mut [f32],
}

impl pulp::WithSimd for DotRows<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, simd: S) {
        const TOKENS: usize = 8;
        let DotRows { rows, w, bias, out } = self;
        let outputs = bias.len();
        let n = w.len().checked_div(outputs).unwrap_or(0);
        let Some(tokens) = rows.len().checked_div(n) else {
            return;
        };
        let zero = simd.splat_f32s(0.0);
        // Each block: its first token, how many it has, its vectors.
        let blocks: Vec<(usize, usize, Vec<_>)> = (0..tokens)
            .step_by(TOKENS)
            .map(|t0| {
                let count = (tokens - t0).min(TOKENS);
                let mut block = vec![[zero; TOKENS]; S::as_simd_f32s(&rows[..n]).0.len()];
                for (b, x) in rows[t0 * n..(t0 + count) * n].chunks_exact(n).enumerate() {
                    for (chunk, &x) in block.iter_mut().zip(S::as_simd_f32s(x).0) {
                        chunk[b] = x;
                    }
                }
                (t0, count, block)
            })
            .collect();
        let mut row = vec![0f32; n];
        for o0 in (0..outputs).step_by(W_ROWS) {
            for (t0, count, block) in &blocks {
                let (t0, count) = (*t0, *count);
                for o in o0..(o0 + W_ROWS).min(outputs) {
                    for (r, &h) in row.iter_mut().zip(&w[o * n..][..n]) {
                        *r = f32::from_bits(u32::from(h) << 16);
                    }
                    let (head, tail) = S::as_simd_f32s(&row);
                    let mut acc = [zero; TOKENS];
                    for (&wv, xs) in head.iter().zip(block) {
                        for (a, &x) in acc.iter_mut().zip(xs) {
                            *a = simd.mul_add_e_f32s(x, wv, *a);
                        }
                    }
                    let whole = n - tail.len();
                    for (b, &a) in acc.iter().enumerate().take(count) {
                        let x = &rows[(t0 + b) * n + whole..][..tail.len()];
                        let rest: f32 = x.iter().zip(tail).map(|(x, w)| x * w).sum();
                        out[(t0 + b) * outputs + o] = bias[o] + simd.reduce_sum_f32s(a) + rest;
                    }
                }
            }
        }
    }
}

/// The encoder, its weights loaded.
pub(crate) struct Bert {
    words: Embedding,
    positions: Embedding,
    types: Embedding,
    norm: LayerNorm,
    layers: Vec<Layer>,
    heads: usize,
    /// `gelu_new` and `gelu_pytorch_tanh` are the tanh approximation;
    /// `gelu` is the exact one, with erf.
    tanh_gelu: bool,
}

impl Bert {
    /// Reads the weights `config` describes.
    pub(crate) fn load(vb: VarBuilder, config: &Config) -> Result<Bert> {
        // Checkpoints saved from `BertForMaskedLM` and its kin prefix every
        // name with `bert.`.
        let vb = if vb.contains_tensor("bert.embeddings.word_embeddings.weight") {
            vb.pp("bert")
        } else {
            vb
        };
        let h = config.hidden_size;
        let eps = config.layer_norm_eps;
        let e = vb.pp("embeddings");
        let mut layers = Vec::with_capacity(config.num_hidden_layers);
        for i in 0..config.num_hidden_layers {
            let l = vb.pp(format!("encoder.layer.{i}"));
            let a = l.pp("attention");
            layers.push(Layer {
                query: Dense::load(h, h, a.pp("self.query"))?,
                key: Dense::load(h, h, a.pp("self.key"))?,
                value: Dense::load(h, h, a.pp("self.value"))?,
                attention_out: Dense::load(h, h, a.pp("output.dense"))?,
                attention_norm: layer_norm(h, eps, a.pp("output.LayerNorm"))?,
                intermediate: Dense::load(h, config.intermediate_size, l.pp("intermediate.dense"))?,
                output: Dense::load(config.intermediate_size, h, l.pp("output.dense"))?,
                output_norm: layer_norm(h, eps, l.pp("output.LayerNorm"))?,
            });
        }
        Ok(Bert {
            words: embedding(config.vocab_size, h, e.pp("word_embeddings"))?,
            positions: embedding(
                config.max_position_embeddings,
                h,
                e.pp("position_embeddings"),
            )?,
            types: embedding(config.type_vocab_size, h, e.pp("token_type_embeddings"))?,
            norm: layer_norm(h, eps, e.pp("LayerNorm"))?,
            layers,
            heads: config.num_attention_heads,
            tanh_gelu: matches!(config.hidden_act.as_str(), "gelu_new" | "gelu_pytorch_tanh"),
        })
    }

    /// The last hidden states, `(batch, tokens, hidden)`, of `ids`
    /// (`(batch, tokens)`, u32) under `mask` (`(batch, tokens)`, f32: 1 for
    /// a token, 0 for padding).
    pub(crate) fn forward(&self, ids: &Tensor, mask: &Tensor) -> Result<Tensor> {
        let (batch, tokens) = ids.dims2()?;
        let device = ids.device();
        let positions = Tensor::arange(0u32, tokens as u32, device)?;
        let types = Tensor::zeros((batch, tokens), DType::U32, device)?;
        let x = self
            .words
            .forward(ids)?
            .broadcast_add(&self.positions.forward(&positions)?)?
            .add(&self.types.forward(&types)?)?;
        let mut x = self.norm.forward(&x)?;
        // Added to the attention scores: 0 where a token may be attended
        // to, a large negative number at padding.
        let bias = ((mask - 1.0)? * 1e4)?.reshape((batch, 1, 1, tokens))?;
        let layers = || -> Result<Tensor> {
            for layer in &self.layers {
                x = self.layer(layer, &x, &bias)?;
            }
            Ok(x)
        };
        // A query's layers run in a pool of two threads, which share its
        // dense layers' rows ([`Dense::forward`]) and stay awake from one
        // layer to the next; the binary gives candle's own pool a single
        // thread, as its products would not gain from more.
        match query_pool() {
            Some(pool) if batch * tokens <= FEW_TOKENS => pool.install(layers),
            _ => layers(),
        }
    }

    fn layer(&self, layer: &Layer, x: &Tensor, bias: &Tensor) -> Result<Tensor> {
        let (batch, tokens, hidden) = x.dims3()?;
        let head = hidden / self.heads;
        let split = |t: Tensor| -> Result<Tensor> {
            t.reshape((batch, tokens, self.heads, head))?
                .transpose(1, 2)?
                .contiguous()
        };
        let q = split(layer.query.forward(x)?)?;
        let k = split(layer.key.forward(x)?)?;
        let v = split(layer.value.forward(x)?)?;
        let scores = (q.matmul(&k.t()?)? / (head as f64).sqrt())?.broadcast_add(bias)?;
        let weights = candle_nn::ops::softmax_last_dim(&scores)?;
        let context = weights
            .matmul(&v)?
            .transpose(1, 2)?
            .reshape((batch, tokens, hidden))?;
        let attended = layer
            .attention_norm
            .forward(&(layer.attention_out.forward(&context)? + x)?)?;
        let inner = layer.intermediate.forward(&attended)?;
        let inner = if self.tanh_gelu {
            inner.gelu()?
        } else {
            inner.gelu_erf()?
        };
        layer
            .output_norm
            .forward(&(layer.output.forward(&inner)? + attended)?)
    }
}

/// The mean of the hidden states over the real tokens: `(batch, hidden)`.
pub(crate) fn mean_pool(hidden: &Tensor, mask: &Tensor) -> Result<Tensor> {
    let mask = mask.unsqueeze(D::Minus1)?;
    let sum = hidden.broadcast_mul(&mask)?.sum(1)?;
    let count = mask.sum(1)?.clamp(1e-9, f64::MAX)?;
    sum.broadcast_div(&count)
}

/// The hidden state of the first token (`[CLS]`): `(batch, hidden)`.
pub(crate) fn cls_pool(hidden: &Tensor) -> Result<Tensor> {
    hidden.narrow(1, 0, 1)?.squeeze(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_of_the_weight_give_the_product() {
        // Sizes that fill no vector, block or tile evenly.
        let (tokens, n, outputs) = (11, 21, 70);
        let value = |i: usize| ((i * 37 % 101) as f32 - 50.0) / 64.0;
        let rows: Vec<f32> = (0..tokens * n).map(value).collect();
        let w: Vec<f32> = (0..outputs * n).map(|i| value(i + 7)).collect();
        let bias: Vec<f32> = (0..outputs).map(|i| value(i + 3)).collect();
        let half: Vec<u16> = w.iter().copied().map(bfloat16).collect();
        let mut out = vec![0.0; tokens * outputs];
        pulp::Arch::new().dispatch(DotRows {
            rows: &rows,
            w: &half,
            bias: &bias,
            out: &mut out,
        });
        for t in 0..tokens {
            for o in 0..outputs {
                let want: f32 =
                    bias[o] + (0..n).map(|i| rows[t * n + i] * w[o * n + i]).sum::<f32>();
                let got = out[t * outputs + o];
                assert!((got - want).abs() < 0.02, "[{t}][{o}]: {got} for {want}");
            }
        }
    }

    #[test]
    fn a_query_shared_between_cores_gives_the_product() {
        // 200 outputs: 128 on one core, 72 on the other.
        let (tokens, n, outputs) = (11, 40, 200);
        let value = |i: usize| ((i * 37 % 101) as f32 - 50.0) / 64.0;
        let w: Vec<f32> = (0..outputs * n).map(|i| value(i + 7)).collect();
        let bias: Vec<f32> = (0..outputs).map(|i| value(i + 3)).collect();
        let x: Vec<f32> = (0..tokens * n).map(value).collect();
        let device = candle_core::Device::Cpu;
        let tensors = std::collections::HashMap::from([
            (
                "weight".to_string(),
                Tensor::from_vec(w, (outputs, n), &device).unwrap(),
            ),
            (
                "bias".to_string(),
                Tensor::from_vec(bias, outputs, &device).unwrap(),
            ),
        ]);
        let vb = VarBuilder::from_tensors(tensors, DType::F32, &device);
        let dense = Dense::load(n, outputs, vb).unwrap();
        let x = Tensor::from_vec(x, (1, tokens, n), &device).unwrap();
        let want = dense.linear.forward(&x).unwrap().flatten_all().unwrap();
        let got = dense.forward(&x).unwrap().flatten_all().unwrap();
        let (want, got) = (
            want.to_vec1::<f32>().unwrap(),
            got.to_vec1::<f32>().unwrap(),
        );
        assert_eq!(want.len(), got.len());
        for (i, (w, g)) in want.iter().zip(&got).enumerate() {
            assert!(
                (w - g).abs() < 0.05,
                "[{}][{}]: {g} for {w}",
                i / outputs,
                i % outputs
            );
        }
    }

    #[test]
    fn bfloat16_rounds_to_nearest() {
        let back = |x: f32| f32::from_bits(u32::from(bfloat16(x)) << 16);
        assert_eq!(back(1.0), 1.0);
        assert_eq!(back(-2.5), -2.5);
        // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: to even, 1.
        assert_eq!(back(1.0 + 1.0 / 256.0), 1.0);
        assert_eq!(back(1.0 + 3.0 / 512.0), 1.0 + 1.0 / 128.0);
    }
}
