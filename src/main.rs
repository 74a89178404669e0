//! The `quire` binary: reads arguments, calls the library, prints, and picks
//! the exit code (0 hits or success, 1 no hits, 2 error).

mod cli;
mod serve;

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;

/// mimalloc rather than the system allocator: searches make and drop many
/// small strings and a few large ones (stored sections), and glibc's
/// allocator spent a tenth of a search in malloc and its consolidation.
/// With it the server answers 6–10% more uncached searches on linux-doc;
/// without transparent huge pages (`no_thp`), it costs 8 MB more RSS there
/// and 45 MB more at the peak of a full index (165 MB; 210 MB with them).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use clap::Parser;
use clap::error::ErrorKind;

use cli::args::{self, Cli, Color, Command};
use quire::{Index, IndexOptions, IndexReport, Rules, SearchOptions, Splitter};

/// The corpus folder `quire search` builds from when there is no index yet.
const DEFAULT_CORPUS: &str = "corpus";

fn main() -> ExitCode {
    one_thread_per_model_run();
    let reordered = args::reorder_search_args(std::env::args_os().collect());
    let cli = match Cli::try_parse_from(reordered.args) {
        Ok(cli) => cli,
        Err(err) => return usage_error(err),
    };
    for warning in reordered.warnings {
        eprintln!("quire: warning: {warning}");
    }
    match run(cli) {
        Ok(code) => code,
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            let message = format!("{err:#}");
            let message: Vec<&str> = message.split_whitespace().collect();
            eprintln!("quire: {}", message.join(" "));
            ExitCode::from(2)
        }
    }
}

/// Runs each embedding on the thread that asks for it. quire already
/// embeds on a thread a core (the indexing workers, the server's search
/// threads); candle would otherwise split every matrix product across the
/// cores again, which for a query's few tokens costs more in waking threads
/// (and in counting the cores, which it does at every product) than it
/// saves: a hybrid search over 28,340 sections took 15.9 ms at p50, 12.9 ms
/// so (the benches/latency.rs run of the README). A query's few tokens
/// run in a small pool of their own instead, whose threads stay awake from
/// one product to the next (`embed::bert`). A `RAYON_NUM_THREADS` already
/// set is kept.
fn one_thread_per_model_run() {
    if std::env::var_os("RAYON_NUM_THREADS").is_none() {
        // SAFETY: called first thing in `main`, before any other thread
        // exists that could read the environment.
        unsafe { std::env::set_var("RAYON_NUM_THREADS", "1") };
    }
}

/// Makes mimalloc give memory back to the system as soon as it is freed,
/// rather than a second later (its default, which spares short processes
/// such as `quire search` the system calls). An index run frees tens of
/// megabytes at every segment its threads write, and allocates them again
/// at once for the next: with the delay, the two overlap. At 339,000
/// sections (the 1 GB set) the peak RSS went from 259-273 MB to 237 MB,
/// in the same time (19.2-19.4 s).
fn free_memory_at_once() {
    // `mi_option_purge_delay` in mimalloc.h (v2 and v3), which the crate
    // leaves unnamed.
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    // SAFETY: called before the index run starts any thread; mimalloc's
    // options are plain integers read when it purges.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 0) };
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Index {
            paths,
            index,
            rebuild,
            strict,
            rules,
            glob,
            exclude,
            max_file_size,
            heap,
            threads,
            base_url,
            lang,
            model,
            no_model,
            verbose,
            quiet,
        } => {
            if !base_url.is_empty() && base_url.len() != paths.len() {
                return Err(anyhow::anyhow!(
                    "give one --base-url for each folder indexed: {} folder{}, {} URL{}",
                    paths.len(),
                    if paths.len() == 1 { "" } else { "s" },
                    base_url.len(),
                    if base_url.len() == 1 { "" } else { "s" },
                ));
            }
            if lang.len() > 1 && lang.len() != paths.len() {
                return Err(anyhow::anyhow!(
                    "give one --lang for all folders or one for each: {} folders, {} languages",
                    paths.len(),
                    lang.len(),
                ));
            }
            let embedding = match (model, no_model) {
                (Some(dir), _) => quire::Embedding::Model(dir),
                (None, true) => quire::Embedding::Drop,
                (None, false) => quire::Embedding::Keep,
            };
            let mut options = IndexOptions::default()
                .embedding(embedding)
                .rules(load_rules(rules.as_deref())?)
                .rebuild(rebuild)
                .strict(strict)
                .max_file_size(max_file_size.0)
                .threads(threads)
                .writer_memory(heap.map_or(0, |h| h.0));
            options.globs = glob;
            options.excludes = exclude;
            options.base_urls = paths.iter().cloned().zip(base_url).collect();
            options.langs = match &lang[..] {
                [one] => paths.iter().map(|p| (p.clone(), one.clone())).collect(),
                _ => paths.iter().cloned().zip(lang).collect(),
            };
            let bar = cli::progress::Bar::new(quiet);
            free_memory_at_once();
            let report = quire::build_index_with_progress(&index, &paths, &options, &bar)?;
            if !quiet {
                report_indexing(&report, &index, verbose);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Search {
            index,
            limit,
            offset,
            article,
            section,
            per_article,
            lang,
            exact,
            lexical,
            meaning,
            model,
            snippets,
            snippet_chars,
            json,
            color,
            query,
        } => {
            let matching = match (lexical, meaning) {
                (true, _) => quire::Matching::Words,
                (_, true) => quire::Matching::Meaning,
                _ => quire::Matching::Hybrid,
            };
            let mut options = SearchOptions::default()
                .limit(limit)
                .offset(offset)
                .snippet_chars(snippet_chars)
                .snippets(snippets.unwrap_or(if json { 3 } else { 1 }))
                .exact(exact)
                .matching(matching);
            options.article = article;
            options.section = section;
            options.per_article = per_article;
            options.lang = lang;
            search(
                &index,
                model.as_deref(),
                &query.join(" "),
                &options,
                json,
                color,
            )
        }
        Command::Distill { model, out, quiet } => distill(&model, &out, quiet),
        Command::Split {
            files,
            json,
            check,
            rules,
        } => split(&files, json, check, rules.as_deref()),
        Command::Export {
            index,
            format,
            es_index,
            output,
        } => {
            let format = match format {
                args::ExportFormat::Ndjson => quire::ExportFormat::Ndjson,
                args::ExportFormat::EsBulk => quire::ExportFormat::EsBulk { index: es_index },
            };
            export(&index, &format, output.as_deref())
        }
        Command::Serve {
            index,
            addr,
            cache,
            cache_memory,
            sending_memory,
            threads,
            max_connections,
            header_timeout,
            model,
            allow_origin,
        } => {
            build_if_missing(&index)?;
            let options = serve::server::Options {
                addr,
                cache_entries: cache,
                cache_bytes: cache_memory.0,
                sending_bytes: sending_memory.0,
                threads: threads.map_or_else(
                    || std::thread::available_parallelism().map_or(2, |n| n.get()),
                    usize::from,
                ),
                allow_origin,
                limits: serve::connections::Limits {
                    max_connections,
                    header_timeout: std::time::Duration::from_secs(header_timeout),
                },
            };
            serve::server::run(&index, model.as_deref(), &options)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Writes the export to standard output, or to a temporary file beside
/// `output` that replaces it once complete: a failed export leaves any
/// earlier one whole.
fn export(dir: &Path, format: &quire::ExportFormat, output: Option<&Path>) -> Result<ExitCode> {
    let index = Index::open_as_it_is(dir)?;
    let Some(output) = output else {
        let mut out = io::BufWriter::new(io::stdout().lock());
        quire::export(&index, format, &mut out)?;
        out.flush().map_err(quire::Error::Write)?;
        return Ok(ExitCode::SUCCESS);
    };
    let mut partial = output.as_os_str().to_owned();
    partial.push(format!(".partial-{}", std::process::id()));
    let partial = PathBuf::from(partial);
    let written = (|| -> Result<u64> {
        let file = std::fs::File::create(&partial)
            .map_err(|e| anyhow::anyhow!("{}: {e}", partial.display()))?;
        let mut out = io::BufWriter::new(file);
        let written = quire::export(&index, format, &mut out)?;
        let file = out
            .into_inner()
            .map_err(|e| quire::Error::Write(e.into_error()))?;
        file.sync_all().map_err(quire::Error::Write)?;
        std::fs::rename(&partial, output)
            .map_err(|e| anyhow::anyhow!("{}: {e}", output.display()))?;
        Ok(written)
    })();
    match written {
        Ok(written) => {
            eprintln!("quire: wrote {written} sections to {}", output.display());
            Ok(ExitCode::SUCCESS)
        }
        Err(err) => {
            let _ = std::fs::remove_file(&partial);
            Err(err)
        }
    }
}

/// Builds the index from `corpus/` when there is none yet (and there is a
/// `corpus/`), so that searching or serving a fresh checkout just works.
fn build_if_missing(dir: &Path) -> Result<()> {
    if !Index::exists(dir) && Path::new(DEFAULT_CORPUS).is_dir() {
        eprintln!(
            "quire: no index at {}; building it from {DEFAULT_CORPUS}/ first",
            dir.display()
        );
        let report = quire::build_index(
            dir,
            &[PathBuf::from(DEFAULT_CORPUS)],
            &IndexOptions::default(),
        )?;
        report_indexing(&report, dir, false);
    }
    Ok(())
}

fn search(
    dir: &Path,
    model: Option<&Path>,
    query: &str,
    options: &SearchOptions,
    json: bool,
    color: Color,
) -> Result<ExitCode> {
    build_if_missing(dir)?;
    let index = Index::open_as_it_is(dir)?;
    if let Some(model) = model {
        index.use_model(model);
    }
    let results = index.search(query, options)?;
    if !json {
        let none_has_all = results.hits.first().is_some_and(|h| !h.missing.is_empty());
        if !results.unmatched.is_empty() && !results.hits.is_empty() {
            let words: Vec<String> = results.unmatched.iter().map(|w| format!("{w:?}")).collect();
            eprintln!(
                "quire: no section has {}; showing sections with the other words",
                words.join(" or ")
            );
        } else if results.relaxed && none_has_all {
            eprintln!("quire: no section has every word; showing those with the most of them");
        } else if results.hits.is_empty() {
            match &results.suggestion {
                Some(suggestion) => {
                    eprintln!("quire: no section matches {query:?}; did you mean {suggestion:?}?")
                }
                None => eprintln!("quire: no section matches {query:?}"),
            }
        }
    }
    let mut out = io::BufWriter::new(io::stdout().lock());
    if json {
        quire::output::write_results_json(&mut out, &results)?;
    } else {
        quire::output::write_results_text(&mut out, &results, style(color))?;
    }
    out.flush()?;
    Ok(if results.hits.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

#[cfg(feature = "model")]
fn distill(model: &Path, out: &Path, quiet: bool) -> Result<ExitCode> {
    let started = std::time::Instant::now();
    let loaded = quire::Model::load(model)?;
    // indicatif's stderr target draws nothing when stderr is not a terminal.
    let bar = if quiet {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new(0)
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "distilling [{bar:30}] {pos}/{len} tokens (ETA {eta})",
        )
        .expect("the template is valid")
        .progress_chars("=> "),
    );
    let made = quire::distill(&loaded, out, &|done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    })?;
    bar.finish_and_clear();
    if !quiet {
        eprintln!(
            "quire: {} tokens of {} numbers distilled into {} in {:.1} s",
            made.tokens,
            made.dimensions,
            out.display(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(not(feature = "model"))]
fn distill(_model: &Path, _out: &Path, _quiet: bool) -> Result<ExitCode> {
    Err(quire::Error::NoModelSupport.into())
}

fn split(paths: &[PathBuf], json: bool, check: bool, rules: Option<&Path>) -> Result<ExitCode> {
    let splitter = Splitter::new(load_rules(rules)?);
    // Files as named; folders walked as `quire index` walks them.
    let mut files = Vec::with_capacity(paths.len());
    for path in paths {
        if path.is_dir() {
            let found = quire::find_articles(std::slice::from_ref(path))?;
            for notice in &found.skipped {
                eprintln!(
                    "quire: skipped {}: {}",
                    notice.path.display(),
                    notice.message
                );
            }
            files.extend(found.files.into_iter().map(|f| f.path));
        } else {
            files.push(path.clone());
        }
    }
    let mut articles = Vec::with_capacity(files.len());
    let mut checked = quire::SplitCheck::default();
    for file in &files {
        let (article, lossy) = quire::split_file(&splitter, file)?;
        if lossy {
            eprintln!(
                "quire: warning: {}: not valid UTF-8; undecodable bytes were replaced",
                file.display()
            );
        }
        let source = file.to_string_lossy().into_owned();
        if check {
            // Only the findings are kept: a site of any size is checked
            // in the memory of one page.
            checked.add(&source, &article);
        } else {
            articles.push((source, article));
        }
    }
    let mut out = io::BufWriter::new(io::stdout().lock());
    if check {
        quire::output::write_split_check(&mut out, &checked)?;
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    if json {
        let shown: Vec<quire::output::SplitArticle> = articles
            .iter()
            .map(|(source, a)| quire::output::SplitArticle {
                title: &a.title,
                source,
                sections: &a.sections,
            })
            .collect();
        quire::output::write_split_json(&mut out, &shown)?;
    } else {
        for (i, (source, article)) in articles.iter().enumerate() {
            if i > 0 {
                writeln!(out)?;
            }
            quire::output::write_split_text(&mut out, source, article)?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn load_rules(path: Option<&Path>) -> Result<Rules> {
    let mut rules = Rules::default();
    if let Some(path) = path {
        rules.extend_from_file(path)?;
    }
    Ok(rules)
}

/// Notices for skipped and degraded files, then the one summary line, all on
/// stderr.
fn report_indexing(report: &IndexReport, dir: &Path, verbose: bool) {
    for n in &report.warnings {
        eprintln!("quire: warning: {}: {}", n.path.display(), n.message);
    }
    for n in &report.skipped {
        eprintln!("quire: skipped {}: {}", n.path.display(), n.message);
    }
    if verbose {
        for path in &report.ignored {
            eprintln!(
                "quire: passed over {} (not a format quire reads)",
                path.display()
            );
        }
        let mib = |n: u64| n as f64 / (1024.0 * 1024.0);
        eprintln!(
            "quire: read {:.1} MiB of files; wrote {} sections, {:.1} MiB of text ({:.1} MiB/s)",
            mib(report.bytes_read),
            report.sections_written,
            mib(report.text_bytes),
            mib(report.text_bytes) / report.elapsed.as_secs_f64().max(1e-9)
        );
    }
    if report.rules_changed && report.added + report.changed + report.removed > 0 {
        eprintln!("quire: the search rules (stop words, synonyms) changed with this run");
    } else if report.rules_changed {
        eprintln!(
            "quire: the search rules (stop words, synonyms) changed; no file had to be read again"
        );
    }
    let plural = |n: u64, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    if let Some(model) = &report.model {
        eprintln!(
            "quire: {} embedded with {} ({} dimensions); the others kept their vectors",
            plural(report.sections_embedded, "section"),
            model.name,
            model.dimensions
        );
    }
    eprintln!(
        "{}: {}, {}; {} added, {} changed, {} removed, {} unchanged, {} skipped ({:.2} s)",
        dir.display(),
        plural(report.articles as u64, "article"),
        plural(report.sections, "section"),
        report.added,
        report.changed,
        report.removed,
        report.unchanged,
        report.skipped.len(),
        report.elapsed.as_secs_f64()
    );
}

/// Colour only when asked, or on a terminal that has not said no.
fn style(choice: Color) -> quire::output::Style {
    let colored = match choice {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
        }
    };
    if colored {
        quire::output::Style::Colored
    } else {
        quire::output::Style::Plain
    }
}

/// Prints a clap error as one `quire:` line (help and version as they are).
fn usage_error(err: clap::Error) -> ExitCode {
    if matches!(
        err.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
    ) {
        let _ = err.print();
        return ExitCode::SUCCESS;
    }
    let rendered = err.render().to_string();
    let first: Vec<&str> = rendered
        .split("\n\n")
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    let message = first.join(" ");
    let message = message.strip_prefix("error: ").unwrap_or(&message);
    eprintln!("quire: {message} (see `quire --help`)");
    ExitCode::from(2)
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
            || cause
                .downcast_ref::<quire::Error>()
                .is_some_and(|e| match e {
                    quire::Error::Io { err, .. } | quire::Error::Write(err) => {
                        err.kind() == io::ErrorKind::BrokenPipe
                    }
                    _ => false,
                })
    })
}
