//! Embedding throughput against the arithmetic limit of this machine.
//!
//! Embeds the sections of a folder (their first `QUIRE_BENCH_SECTIONS`,
//! 2,000 by default) as `quire index --model` does, and prints tokens per
//! second beside the limit: the model's FLOPs per token times the tokens,
//! over the FLOP/s of a large f32 matrix product measured here (the best a
//! CPU's BLAS-like kernel does; the model's own products are smaller).
//!
//! ```text
//! cargo run --release --example embed -- MODEL_DIR FOLDER
//! ```

use std::time::Instant;

use candle_core::{Device, Tensor};

// As the binary: embedding allocates large tensors at every step.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [model_dir, folder] = args.as_slice() else {
        return Err("usage: embed MODEL_DIR FOLDER".into());
    };
    let limit: usize = std::env::var("QUIRE_BENCH_SECTIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let model = quire::Model::load(model_dir)?;
    let splitter = quire::Splitter::default();
    let mut inputs = Vec::new();
    for file in quire::find_articles(&[folder.into()])?.files {
        if let Ok((article, _)) = quire::split_file(&splitter, &file.path) {
            for s in article.sections {
                let mut input = article.title.clone();
                for h in &s.path {
                    input.push_str(" › ");
                    input.push_str(h);
                }
                input.push('\n');
                input.push_str(&s.text);
                inputs.push(input);
            }
        }
        if inputs.len() >= limit {
            break;
        }
    }
    inputs.truncate(limit);
    let mut tokens = 0;
    let mut flops = 0.0;
    for input in &inputs {
        let n = model.count_tokens(input)?;
        tokens += n;
        flops += model.flops(n);
    }
    let peak = peak_flops();
    let texts: Vec<&str> = inputs.iter().map(String::as_str).collect();
    let mut times = Vec::new();
    let mut vectors = Vec::new();
    // As `quire index` does: a thread a core, each embedding its files.
    let threads: usize = std::env::var("QUIRE_BENCH_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2);
    for _ in 0..3 {
        let start = Instant::now();
        let chunk = texts.len().div_ceil(threads);
        vectors = std::thread::scope(|scope| {
            let parts: Vec<_> = texts
                .chunks(chunk)
                .map(|part| scope.spawn(|| model.embed(part)))
                .collect();
            let mut all = Vec::new();
            for part in parts {
                all.extend(part.join().expect("an embedding thread")?);
            }
            Ok::<_, quire::Error>(all)
        })?;
        times.push(start.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    let median = times[1];
    let limit_tps = tokens as f64 / (flops / peak);
    println!(
        "{} sections, {tokens} tokens ({:.0} a section), {:.1} MFLOP a token",
        inputs.len(),
        tokens as f64 / inputs.len() as f64,
        flops / tokens as f64 / 1e6
    );
    if model.is_static() {
        // A static table does no arithmetic to speak of: there is no limit
        // to compare with.
        println!(
            "embedded (static table): median of 3 {median:.2} s, {:.0} tokens/s ({:.0} sections/s)",
            tokens as f64 / median,
            inputs.len() as f64 / median,
        );
    } else {
        println!(
            "matrix product: {:.0} GFLOP/s; limit {:.0} tokens/s ({:.0} sections/s)",
            peak / 1e9,
            limit_tps,
            limit_tps * inputs.len() as f64 / tokens as f64
        );
        println!(
            "embedded: median of 3 {median:.2} s, {:.0} tokens/s ({:.0} sections/s), {:.2}x the limit's time",
            tokens as f64 / median,
            inputs.len() as f64 / median,
            median / (flops / peak)
        );
    }
    recall(&model, &inputs, &vectors)?;
    query_latency(&model, &inputs)?;
    Ok(())
}

/// How long a query takes to embed, alone, as a search embeds it: the
/// first 8 words (`QUIRE_BENCH_QUERY_WORDS`) of each of the first 200
/// sections' text, one at a time,
/// the median of 5 rounds for each; the p50 and p99 over the queries.
fn query_latency(model: &quire::Model, inputs: &[String]) -> Result<(), quire::Error> {
    let words: usize = std::env::var("QUIRE_BENCH_QUERY_WORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8);
    let queries: Vec<String> = inputs
        .iter()
        .take(200)
        .map(|s| {
            let text = s.split_once('\n').map_or(s.as_str(), |(_, text)| text);
            text.split_whitespace()
                .take(words)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    let mut each: Vec<Vec<f64>> = vec![Vec::new(); queries.len()];
    for _ in 0..5 {
        for (q, times) in queries.iter().zip(&mut each) {
            let start = Instant::now();
            model.embed(&[q.as_str()])?;
            times.push(start.elapsed().as_secs_f64() * 1e3);
        }
    }
    let mut medians: Vec<f64> = each
        .into_iter()
        .map(|mut t| {
            t.sort_by(f64::total_cmp);
            t[t.len() / 2]
        })
        .collect();
    medians.sort_by(f64::total_cmp);
    let at = |p: f64| medians[((medians.len() - 1) as f64 * p).round() as usize];
    let tokens: usize = queries
        .iter()
        .map(|q| model.count_tokens(q).unwrap_or(0))
        .sum();
    println!(
        "a query alone ({} queries, {:.1} tokens each): p50 {:.2} ms, p99 {:.2} ms",
        queries.len(),
        tokens as f64 / queries.len().max(1) as f64,
        at(0.5),
        at(0.99)
    );
    Ok(())
}

/// The recall@10 of the quantised scan against exact f32 cosines, for
/// queries made of each of the first 200 sections' first 12 words.
fn recall(
    model: &quire::Model,
    inputs: &[String],
    vectors: &[Vec<f32>],
) -> Result<(), Box<dyn std::error::Error>> {
    let stored: Vec<Vec<u8>> = vectors.iter().map(|v| quire::vector::quantise(v)).collect();
    let queries: Vec<String> = inputs
        .iter()
        .take(200)
        .map(|i| i.split_whitespace().take(12).collect::<Vec<_>>().join(" "))
        .collect();
    let texts: Vec<&str> = queries.iter().map(String::as_str).collect();
    let mut found = 0;
    for q in model.embed(&texts)? {
        let top = |score: &dyn Fn(usize) -> f32| {
            let mut order: Vec<usize> = (0..vectors.len()).collect();
            order.sort_by(|&a, &b| score(b).total_cmp(&score(a)));
            order.truncate(10);
            order
        };
        let exact = top(&|i| vectors[i].iter().zip(&q).map(|(a, b)| a * b).sum());
        let query = quire::vector::QueryVector::new(&q);
        let quantised = top(&|i| query.cosine(&stored[i]).unwrap_or(-1.0));
        found += quantised.iter().filter(|i| exact.contains(i)).count();
    }
    println!(
        "quantised scan: recall@10 {:.3} against exact f32 ({} queries over {} sections), {} bytes a vector",
        found as f64 / (10 * queries.len()) as f64,
        queries.len(),
        vectors.len(),
        stored[0].len()
    );
    Ok(())
}

/// The FLOP/s of a 2048² f32 matrix product, best of 5.
fn peak_flops() -> f64 {
    let a = Tensor::randn(0f32, 1.0, (2048, 2048), &Device::Cpu).expect("a matrix");
    let b = Tensor::randn(0f32, 1.0, (2048, 2048), &Device::Cpu).expect("a matrix");
    (0..5)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(a.matmul(&b).expect("a product"));
            2.0 * 2048f64.powi(3) / start.elapsed().as_secs_f64()
        })
        .fold(0.0, f64::max)
}
