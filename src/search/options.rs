//! [`SearchOptions`]: every option of `quire search`, with the defaults the
//! CLI and the server share.

/// The default number of hits.
pub const DEFAULT_LIMIT: usize = 10;

/// The default snippet length, in characters.
pub const DEFAULT_SNIPPET_CHARS: usize = 160;

/// How to search: [`SearchOptions::default`], then the setters for what
/// differs.
///
/// ```
/// let options = quire::SearchOptions::default().limit(5).exact(true);
/// assert_eq!((options.limit, options.snippets), (5, 1));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct SearchOptions {
    /// The most hits to return (at least 1).
    pub limit: usize,
    /// How many of the best hits to pass over first, for paging.
    pub offset: usize,
    /// The longest snippet, in characters.
    pub snippet_chars: usize,
    /// The most snippets per hit (at least 1), best first.
    pub snippets: usize,
    /// No typo tolerance: words match only as spelled (after stemming).
    pub exact: bool,
    /// Only sections of this article, given by id or by title (any case).
    pub article: Option<String>,
    /// Only sections whose label starts with this (any case; `>` may stand
    /// for `›`).
    pub section: Option<String>,
    /// At most this many sections per article; the others are counted in
    /// [`Hit::more_in_article`](crate::Hit::more_in_article).
    pub per_article: Option<usize>,
    /// Only sections of articles in this language (a code such as `de`, or
    /// a tag such as `pt-BR`; see [`language_code`](crate::language_code)).
    pub lang: Option<String>,
    /// What ranks the sections: words and meaning (the default), or one.
    pub matching: Matching,
    /// Search as the user types: the query's last word, unless white space
    /// follows it, also matches the longer words it starts (`hemif` finds
    /// *hemifacial*), the completions ranked below the word itself.
    pub prefix_last: bool,
    /// Only sections of the article with exactly this id (reading one
    /// article, see `Index::read`).
    pub(crate) article_id: Option<String>,
}

/// What a search ranks by ([`SearchOptions::matching`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Matching {
    /// The words ranking and the meaning ranking fused, on an index built
    /// with a model; the words alone on one without.
    #[default]
    Hybrid,
    /// The words alone (`--lexical`): an index with vectors searched as
    /// one without.
    Words,
    /// The meaning alone: the sections nearest the query, whatever their
    /// words (for comparing; an index without vectors cannot).
    Meaning,
}

impl Default for SearchOptions {
    fn default() -> SearchOptions {
        SearchOptions {
            limit: DEFAULT_LIMIT,
            offset: 0,
            snippet_chars: DEFAULT_SNIPPET_CHARS,
            snippets: 1,
            exact: false,
            article: None,
            section: None,
            per_article: None,
            lang: None,
            matching: Matching::Hybrid,
            prefix_last: false,
            article_id: None,
        }
    }
}

impl SearchOptions {
    /// Sets [`SearchOptions::limit`] (`--limit`).
    pub fn limit(mut self, limit: usize) -> SearchOptions {
        self.limit = limit;
        self
    }

    /// Sets [`SearchOptions::offset`] (`--offset`).
    pub fn offset(mut self, offset: usize) -> SearchOptions {
        self.offset = offset;
        self
    }

    /// Sets [`SearchOptions::snippet_chars`] (`--snippet-chars`).
    pub fn snippet_chars(mut self, chars: usize) -> SearchOptions {
        self.snippet_chars = chars;
        self
    }

    /// Sets [`SearchOptions::snippets`] (`--snippets`).
    pub fn snippets(mut self, snippets: usize) -> SearchOptions {
        self.snippets = snippets;
        self
    }

    /// Sets [`SearchOptions::exact`] (`--exact`).
    pub fn exact(mut self, exact: bool) -> SearchOptions {
        self.exact = exact;
        self
    }

    /// Sets [`SearchOptions::article`] (`--article`).
    pub fn article(mut self, article: impl Into<String>) -> SearchOptions {
        self.article = Some(article.into());
        self
    }

    /// Sets [`SearchOptions::section`] (`--section`).
    pub fn section(mut self, section: impl Into<String>) -> SearchOptions {
        self.section = Some(section.into());
        self
    }

    /// Sets [`SearchOptions::matching`] (`--lexical` is [`Matching::Words`]).
    pub fn matching(mut self, matching: Matching) -> SearchOptions {
        self.matching = matching;
        self
    }

    /// Sets [`SearchOptions::per_article`] (`--per-article`).
    pub fn per_article(mut self, per_article: usize) -> SearchOptions {
        self.per_article = Some(per_article);
        self
    }

    /// Sets [`SearchOptions::prefix_last`] (the search page sets it as
    /// the user types).
    pub fn prefix_last(mut self, prefix_last: bool) -> SearchOptions {
        self.prefix_last = prefix_last;
        self
    }
}
