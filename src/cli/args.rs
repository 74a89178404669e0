//! The command line: arguments as clap reads them.

use std::path::PathBuf;

use std::ffi::OsString;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

/// Section-level full-text search over articles.
///
/// Index a folder of articles, then search it: every hit is one section of
/// an article, labelled with its heading path and shown with a snippet.
#[derive(Parser, Debug)]
#[command(name = "quire", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Split articles into sections and add them to the index.
    ///
    /// Each article replaces whatever was indexed under its id (its path
    /// relative to the folder given), so running it again never duplicates.
    Index {
        /// Files or folders of articles (.txt, .md, .markdown, .html, .htm).
        /// Folders are walked recursively, honouring .gitignore and .ignore
        /// files and skipping hidden files.
        #[arg(default_value = "corpus")]
        paths: Vec<PathBuf>,
        /// The index folder.
        #[arg(long, short, default_value = "index", value_name = "DIR")]
        index: PathBuf,
        /// Empty the index first (also rebuilds one made by an incompatible
        /// version of quire).
        #[arg(long)]
        rebuild: bool,
        /// Fail, committing nothing, when a file cannot be indexed whole.
        #[arg(long)]
        strict: bool,
        /// A TOML file of rules (splitting, stop words, synonyms) to add to
        /// the built-in ones; the index keeps its stop words and synonyms.
        #[arg(long, value_name = "FILE")]
        rules: Option<PathBuf>,
        /// Only read files matching this glob (gitignore syntax; repeatable).
        #[arg(long, short, value_name = "GLOB")]
        glob: Vec<String>,
        /// Do not read files or folders matching this glob (repeatable).
        #[arg(long, short, value_name = "GLOB")]
        exclude: Vec<String>,
        /// Skip files larger than this (bytes, or with K, M or G).
        #[arg(long, default_value_t = Size(quire::DEFAULT_MAX_FILE_SIZE), value_name = "SIZE",
              value_parser = size)]
        max_file_size: Size,
        /// Memory for the index writer, shared by one indexing thread a
        /// core (bytes, or with K, M or G; at least 15M); it bounds the
        /// writer's share of peak memory (default: 64M for each indexing
        /// thread, and half the cores index input of many times that)
        #[arg(long, value_name = "SIZE", value_parser = heap)]
        heap: Option<Size>,
        /// Threads that read and split files (default: one per core).
        #[arg(long, default_value_t = 0, value_name = "N", hide_default_value = true)]
        threads: usize,
        /// The URL the folder is published at (https://example.org/docs/, or
        /// /docs/ from the site's root): each hit then links to its section,
        /// URL + article id + #anchor. Give one per folder, in the folders'
        /// order; the index remembers them.
        #[arg(long, value_name = "URL")]
        base_url: Vec<String>,
        /// The language the folder's articles are in (en, de, zh-CN, ...),
        /// whatever they say or the text suggests; without it, each
        /// article's own (<html lang>, front matter lang:) or else the one
        /// detected. Give one for all folders or one per folder.
        #[arg(long, value_name = "LANG")]
        lang: Vec<String>,
        /// Embed every section with the sentence-transformers model in DIR
        /// (a BERT-family model such as all-MiniLM-L6-v2), so that searches
        /// also rank by meaning. The index remembers it: later runs and
        /// searches use it with no flag.
        #[arg(long, value_name = "DIR", conflicts_with = "no_model")]
        model: Option<PathBuf>,
        /// Drop the sections' vectors: the index is searched by words alone.
        #[arg(long)]
        no_model: bool,
        /// Also list the files passed over for their extension.
        #[arg(long, short)]
        verbose: bool,
        /// Print nothing but errors: no progress, no summary.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Search the index; exits 0 with hits, 1 with none, 2 on error.
    ///
    /// Words must all match (stemmed: `sleeping` finds `sleep`); words of 5+
    /// letters may have one typo, 9+ two. Stop words (what, how, the, ...)
    /// count only in phrases; when too few sections have every word, those
    /// with most of them follow. "exact phrase", -excluded,
    /// title:/section:/body: scopes and prefix* are understood.
    Search {
        /// The index folder. When it does not exist and ./corpus does, it is
        /// built from ./corpus first.
        #[arg(long, short, default_value = "index", value_name = "DIR")]
        index: PathBuf,
        /// The most hits to show.
        #[arg(long, short = 'n', default_value_t = quire::DEFAULT_LIMIT, value_name = "N",
              allow_hyphen_values = true, value_parser = at_least_one)]
        limit: usize,
        /// Pass over this many of the best hits first (for paging).
        #[arg(long, default_value = "0", value_name = "N",
              allow_hyphen_values = true, value_parser = not_negative)]
        offset: usize,
        /// Only sections of this article (its id, or its title in any case).
        #[arg(long, short, value_name = "ID_OR_TITLE")]
        article: Option<String>,
        /// Only sections whose label starts with this ("Diagnosis",
        /// "Examine > Medical"; any case).
        #[arg(long, short, value_name = "PREFIX")]
        section: Option<String>,
        /// At most N sections per article; the others are counted.
        #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = at_least_one)]
        per_article: Option<usize>,
        /// Only sections of articles in this language (en, de, zh, ...).
        #[arg(long, value_name = "LANG")]
        lang: Option<String>,
        /// No typo tolerance: words match only as spelled.
        #[arg(long)]
        exact: bool,
        /// Rank by words alone, on an index built with a model.
        #[arg(long, conflicts_with = "meaning")]
        lexical: bool,
        /// Rank by meaning alone: the sections nearest the query, whatever
        /// their words (an index built with a model).
        #[arg(long)]
        meaning: bool,
        /// The folder of the index's model, when it moved since the index
        /// was built (it must hold the same weights).
        #[arg(long, value_name = "DIR")]
        model: Option<PathBuf>,
        /// Snippets per hit (default: 1 as text, 3 in JSON).
        #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = at_least_one)]
        snippets: Option<usize>,
        /// The longest snippet, in characters.
        #[arg(long, default_value_t = quire::DEFAULT_SNIPPET_CHARS, value_name = "N",
              allow_hyphen_values = true, value_parser = at_least_one)]
        snippet_chars: usize,
        /// Print one JSON object (also when nothing matched).
        #[arg(long)]
        json: bool,
        /// When to mark matches in colour.
        #[arg(long, value_enum, default_value_t = Color::Auto, value_name = "WHEN")]
        color: Color,
        /// The query; its words are joined with spaces.
        #[arg(required = true, value_name = "QUERY")]
        query: Vec<String>,
    },
    /// Distill a static table of token vectors from a sentence-transformers
    /// model (model2vec's method), for `quire index --model OUT`: sections
    /// are then embedded a thousand times faster, at some cost in quality
    /// (README, Meaning).
    Distill {
        /// The sentence-transformers model folder (BERT family).
        #[arg(value_name = "MODEL")]
        model: PathBuf,
        /// The folder to write (new, or empty); model2vec's layout.
        #[arg(value_name = "OUT")]
        out: PathBuf,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Show how articles split into sections, without indexing.
    Split {
        /// Article files, and folders of them.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Print a JSON array of articles.
        #[arg(long, conflicts_with = "check")]
        json: bool,
        /// Print only a check of the split: the share of sections whose
        /// anchor is an id their page has (so that links land on them), and
        /// the sections that look like furniture (the title repeated as a
        /// first heading, tables of contents, Note boxes, navigation).
        #[arg(long)]
        check: bool,
        /// A TOML file of splitting rules to add to the built-in ones.
        #[arg(long, value_name = "FILE")]
        rules: Option<PathBuf>,
    },
    /// Write every section of the index as JSON lines, for Quickwit,
    /// Elasticsearch or OpenSearch (see docs/scale-out.md).
    Export {
        /// The index folder.
        #[arg(long, short, default_value = "index", value_name = "DIR")]
        index: PathBuf,
        /// ndjson: one section per line; es-bulk: an Elasticsearch/OpenSearch
        /// _bulk body.
        #[arg(long, value_enum, default_value_t = ExportFormat::Ndjson)]
        format: ExportFormat,
        /// The Elasticsearch index named in es-bulk actions.
        #[arg(long, default_value = "quire", value_name = "NAME")]
        es_index: String,
        /// Write to this file (replaced only once the export is complete)
        /// instead of standard output.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Serve the index over HTTP: a JSON search API and a search page.
    ///
    /// GET /search?q=... returns what `quire search --json` prints; GET
    /// /articles lists articles and sections; GET /health; GET / is the
    /// page. New commits by `quire index` are picked up while it runs.
    Serve {
        /// The index folder.
        #[arg(long, short, default_value = "index", value_name = "DIR")]
        index: PathBuf,
        /// The address to listen on (port 0 picks a free port).
        #[arg(long, default_value = "127.0.0.1:7700", value_name = "HOST:PORT")]
        addr: std::net::SocketAddr,
        /// How many search answers to keep for identical requests until the
        /// index changes (0 turns the cache off).
        #[arg(long, default_value_t = crate::serve::cache::DEFAULT_ENTRIES, value_name = "N")]
        cache: usize,
        /// The most memory those answers may take (bytes, or with K, M or
        /// G); an answer over a sixteenth of it is not kept.
        #[arg(long, default_value_t = Size(crate::serve::cache::DEFAULT_BYTES),
              value_name = "SIZE", value_parser = size)]
        cache_memory: Size,
        /// The most memory the answers being sent may take (bytes, or with
        /// K, M or G): past it, a request gets 503. Bounds what clients that
        /// never read their answers can hold.
        #[arg(long, default_value_t = Size(crate::serve::sending::DEFAULT_BYTES),
              value_name = "SIZE", value_parser = size)]
        sending_memory: Size,
        /// How many searches run at once, each on a thread of its own; the
        /// others wait their turn (default: one per core).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
        threads: Option<u16>,
        /// The most connections open at once (fewer if the system allows
        /// fewer open files); more wait to be accepted.
        #[arg(long, default_value_t = crate::serve::connections::DEFAULT_MAX_CONNECTIONS,
              value_name = "N", value_parser = at_least_one)]
        max_connections: usize,
        /// Seconds a client may take to send a request's headers (an idle
        /// keep-alive connection too); then the connection is closed.
        #[arg(long, default_value_t = crate::serve::connections::DEFAULT_HEADER_TIMEOUT_SECS,
              value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=3600))]
        header_timeout: u64,
        /// The folder of the index's model, when it moved since the index
        /// was built (it must hold the same weights).
        #[arg(long, value_name = "DIR")]
        model: Option<PathBuf>,
        /// Let pages from this origin call the API from a browser (CORS):
        /// https://docs.example.org, say, or `*` for any. Off by default: a
        /// page on any site could otherwise read the index.
        #[arg(long, value_name = "ORIGIN", value_parser = origin)]
        allow_origin: Option<String>,
    },
}

/// An origin as browsers send it (`scheme://host[:port]`, no path), or `*`.
fn origin(value: &str) -> Result<String, String> {
    let well_formed = value == "*"
        || value.split_once("://").is_some_and(|(scheme, rest)| {
            matches!(scheme, "http" | "https")
                && !rest.is_empty()
                && !rest.contains(['/', '?', '#', ' '])
        });
    if well_formed && value.is_ascii() {
        Ok(value.to_string())
    } else {
        Err("expected an origin such as https://docs.example.org (no path), or *".to_string())
    }
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    Ndjson,
    EsBulk,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Color {
    /// Colour when stdout is a terminal and NO_COLOR is not set.
    Auto,
    Always,
    Never,
}

/// A number of bytes, written and read with a unit (`64M`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Size(pub u64);

impl std::fmt::Display for Size {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Size(n) = *self;
        match [(30, "G"), (20, "M"), (10, "K")]
            .into_iter()
            .find(|&(shift, _)| n >= 1 << shift && n % (1 << shift) == 0)
        {
            Some((shift, unit)) => write!(f, "{}{unit}", n >> shift),
            None => write!(f, "{n}"),
        }
    }
}

fn size(value: &str) -> Result<Size, String> {
    bytes(value).map(Size)
}

fn bytes(value: &str) -> Result<u64, String> {
    let v = value.trim();
    let split = v.find(|c: char| !c.is_ascii_digit()).unwrap_or(v.len());
    let (digits, unit) = v.split_at(split);
    let factor: u64 = match unit
        .trim()
        .to_ascii_uppercase()
        .trim_end_matches("IB")
        .trim_end_matches('B')
    {
        "" => 1,
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        _ => return Err(format!("'{value}' is not a size such as 500K, 64M or 2G")),
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(factor))
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("'{value}' is not a size such as 500K, 64M or 2G"))
}

fn heap(value: &str) -> Result<Size, String> {
    let bytes = bytes(value)?;
    if bytes < quire::MIN_WRITER_MEMORY_PER_THREAD {
        return Err(format!(
            "'{value}' is too little: the writer needs at least 15M"
        ));
    }
    Ok(Size(bytes))
}

fn not_negative(value: &str) -> Result<usize, String> {
    match value.trim().parse::<i128>() {
        Ok(n) if n >= 0 => usize::try_from(n).map_err(|_| format!("{n} is too large")),
        Ok(n) => Err(format!("must be 0 or more, not {n}")),
        Err(_) => Err(format!("must be a whole number, not '{value}'")),
    }
}

fn at_least_one(value: &str) -> Result<usize, String> {
    match value.trim().parse::<i128>() {
        Ok(n) if n >= 1 => usize::try_from(n).map_err(|_| format!("{n} is too large")),
        Ok(n) => Err(format!("must be at least 1, not {n}")),
        Err(_) => Err(format!("must be a whole number, not '{value}'")),
    }
}

/// Arguments as clap should read them, and what to warn the user of.
pub struct Reordered {
    /// The arguments.
    pub args: Vec<OsString>,
    /// Words that could have been meant as options (`-afoo`), each with
    /// how it was read.
    pub warnings: Vec<String>,
}

/// Puts `quire search`'s options before its query words, behind a `--`.
///
/// Query words may begin with `-` (`-tumor` excludes a word), which clap
/// would take for options, while options may come after the words
/// (`quire search spasm --json`). So options are recognised here by name,
/// from clap's own definition, and everything else is a query word. A `-X`
/// that is not one of search's short options is a word; so is everything
/// after a `--`. A number run into `-n` (`-n1`) is the limit, as clap
/// reads it; another value run into a short option (`-afoo`, `-spasm`) is
/// an excluded word, with a warning that says so.
pub fn reorder_search_args(args: Vec<OsString>) -> Reordered {
    let mut warnings = Vec::new();
    if args.get(1).is_none_or(|a| a != "search") {
        return Reordered { args, warnings };
    }
    let command = Cli::command();
    let search = command
        .find_subcommand("search")
        .expect("the search subcommand exists");
    let takes_value = |arg: &clap::Arg| arg.get_action().takes_values();
    let mut options: Vec<OsString> = Vec::new();
    let mut words: Vec<OsString> = Vec::new();
    let mut rest = args[2..].iter();
    while let Some(arg) = rest.next() {
        let text = arg.to_string_lossy();
        if text == "--" {
            words.extend(rest.by_ref().cloned());
            break;
        }
        let known = if let Some(long) = text.strip_prefix("--") {
            let name = long.split('=').next().unwrap_or_default();
            // Unknown long options go to clap, which names them in its
            // error, rather than being searched for.
            let arg = search.get_arguments().find(|a| a.get_long() == Some(name));
            Some(arg.is_some_and(|a| takes_value(a) && !long.contains('=')))
        } else if text.len() == 2 && text.starts_with('-') {
            let short = text.chars().nth(1);
            let arg = search
                .get_arguments()
                .find(|a| a.get_short().is_some() && a.get_short() == short);
            let help = short == Some('h');
            match arg {
                Some(a) => Some(takes_value(a)),
                None if help => Some(false),
                None => None,
            }
        } else if let Some(rest) = text.strip_prefix('-')
            && let Some(short) = rest.chars().next()
            && let Some(arg) = search
                .get_arguments()
                .find(|a| a.get_short() == Some(short) && takes_value(a))
        {
            let value = &rest[short.len_utf8()..];
            if short == 'n' && value.bytes().all(|b| b.is_ascii_digit()) {
                // `-n1`: the limit, its value run in.
                Some(false)
            } else {
                let long = arg.get_long().unwrap_or_default();
                warnings.push(format!(
                    "{text} excludes the word {:?}; for --{long}, write -{short} {value}",
                    &text[1..]
                ));
                None
            }
        } else {
            None
        };
        match known {
            Some(needs_value) => {
                options.push(arg.clone());
                if needs_value && let Some(value) = rest.next() {
                    options.push(value.clone());
                }
            }
            None => words.push(arg.clone()),
        }
    }
    let mut out = vec![args[0].clone(), args[1].clone()];
    out.extend(options);
    if !words.is_empty() {
        out.push("--".into());
        out.extend(words);
    }
    Reordered {
        args: out,
        warnings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reorder(args: &[&str]) -> Vec<String> {
        let args = std::iter::once("quire").chain(args.iter().copied());
        reorder_search_args(args.map(OsString::from).collect())
            .args
            .into_iter()
            .map(|a| a.into_string().unwrap())
            .collect()
    }

    #[test]
    fn options_after_words_are_options_and_dashed_words_are_words() {
        assert_eq!(
            reorder(&[
                "search",
                "nerve",
                "-tumor",
                "--json",
                "-n",
                "3",
                "--color=never"
            ]),
            [
                "quire",
                "search",
                "--json",
                "-n",
                "3",
                "--color=never",
                "--",
                "nerve",
                "-tumor"
            ]
        );
        assert_eq!(
            reorder(&["search", "--limit", "-1", "x"]),
            ["quire", "search", "--limit", "-1", "--", "x"]
        );
        assert_eq!(
            reorder(&["search", "a", "--", "--json"]),
            ["quire", "search", "--", "a", "--json"]
        );
        assert_eq!(
            reorder(&["search", "--bogus", "x"]),
            ["quire", "search", "--bogus", "--", "x"]
        );
        assert_eq!(reorder(&["index", "-x"]), ["quire", "index", "-x"]);
        assert_eq!(
            reorder(&["search", "facial", "-n1"]),
            ["quire", "search", "-n1", "--", "facial"]
        );
        assert_eq!(
            reorder(&["search", "facial", "-afoo", "-tumor"]),
            ["quire", "search", "--", "facial", "-afoo", "-tumor"]
        );
    }

    #[test]
    fn words_that_look_like_options_with_values_are_warned_of() {
        let args = [
            "quire", "search", "facial", "-afoo", "-spasm", "-tumor", "-n2x",
        ];
        let reordered = reorder_search_args(args.iter().map(OsString::from).collect());
        assert_eq!(
            reordered.warnings,
            [
                "-afoo excludes the word \"afoo\"; for --article, write -a foo",
                "-spasm excludes the word \"spasm\"; for --section, write -s pasm",
                "-n2x excludes the word \"n2x\"; for --limit, write -n 2x",
            ]
        );
    }

    #[test]
    fn sizes_take_units() {
        assert_eq!(size("1000"), Ok(Size(1000)));
        assert_eq!(size("64M"), Ok(Size(64 << 20)));
        assert_eq!(size("2GiB"), Ok(Size(2 << 30)));
        assert_eq!(size("500kb"), Ok(Size(500 << 10)));
        assert!(size("0").is_err());
        assert!(size("12Q").is_err());
        assert!(size("-5").is_err());
        assert!(heap("14M").is_err());
    }

    #[test]
    fn sizes_are_shown_as_they_are_written() {
        for written in ["64M", "1000", "2G", "500K", "1025K", "15000000"] {
            assert_eq!(size(written).unwrap().to_string(), written);
        }
        // The defaults in `--help` are the library's own.
        assert_eq!(Size(quire::DEFAULT_MAX_FILE_SIZE).to_string(), "64M");
        assert_eq!(Size(quire::DEFAULT_WRITER_MEMORY).to_string(), "64M");
    }

    #[test]
    fn reordered_arguments_parse() {
        let args = reorder(&["search", "spasm", "-tumor", "--json", "--limit", "2"]);
        let cli = Cli::try_parse_from(args).unwrap();
        match cli.command {
            Command::Search {
                query, json, limit, ..
            } => {
                assert_eq!(query, ["spasm", "-tumor"]);
                assert!(json);
                assert_eq!(limit, 2);
            }
            other => panic!("parsed as {other:?}"),
        }
    }
}
