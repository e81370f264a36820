//! Modules depend downward only: no import cycle among the modules of the provider crate
//! (`src/`), of the emulator (`sim/src/`) or of the provider framework
//! (`crates/provider-framework/src/`).
//!
//! A cycle means two modules each need the other, so neither can be read, tested or changed on
//! its own: the sign of vocabulary and machinery sharing one room. The check reads the sources as
//! text (no compiler plug-in, nothing to install): every path a module names (`use` trees,
//! `crate::…`, `super::…`, `self::…` and paths through a child module) is resolved to the
//! deepest module file it reaches, and that is an edge. A parent's `mod child;` declaration is
//! ownership, not a use; a parent re-exporting or calling its child is a use, so vocabulary a
//! child needs belongs in a module of its own, not in the `mod.rs` that also gathers the
//! children. Code under `#[cfg(test)]` is left out: tests may look anywhere.
//!
//! A failure names the cycle and, for each step, the file and line of the first reference.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// A module's path below its crate root (`["aws", "association"]`); the root is empty.
type ModulePath = Vec<String>;

/// Where one module first names another.
#[derive(Clone, Debug)]
struct Reference {
    file: PathBuf,
    line: usize,
}

/// The modules of one crate and the edges between them.
struct ModuleGraph {
    files: BTreeMap<ModulePath, PathBuf>,
    edges: BTreeMap<ModulePath, BTreeMap<ModulePath, Reference>>,
}

#[test]
fn the_provider_crate_has_no_import_cycle() {
    assert_acyclic(&crate_dir().join("src"));
}

#[test]
fn the_emulator_has_no_import_cycle() {
    assert_acyclic(&crate_dir().join("sim").join("src"));
}

#[test]
fn the_provider_framework_has_no_import_cycle() {
    assert_acyclic(
        &crate_dir()
            .join("crates")
            .join("provider-framework")
            .join("src"),
    );
}

#[test]
fn the_check_finds_a_cycle_through_a_parent_and_its_child() {
    let graph = scratch_graph(
        "parent_child",
        &[
            ("lib.rs", "pub mod family;\n"),
            (
                "family/mod.rs",
                "mod handlers;\npub struct Spec;\npub use handlers::serve;\n",
            ),
            (
                "family/handlers.rs",
                "use super::Spec;\npub fn serve(_: Spec) {}\n",
            ),
        ],
    );
    let cycles = graph.cycles();
    assert_eq!(
        names(&cycles),
        vec![vec!["family".to_owned(), "family::handlers".to_owned()]]
    );
}

#[test]
fn the_check_finds_a_cycle_among_siblings_through_use_trees_and_paths() {
    let graph = scratch_graph(
        "siblings",
        &[
            ("lib.rs", "mod a;\nmod b;\nmod c;\n"),
            ("a.rs", "use crate::{b::{self, Thing}};\npub struct A;\n"),
            (
                "b.rs",
                "pub struct Thing;\nfn f() { let _ = super::c::make(); }\n",
            ),
            ("c.rs", "pub fn make() -> crate::a::A { crate::a::A }\n"),
        ],
    );
    let cycles = graph.cycles();
    assert_eq!(
        names(&cycles),
        vec![vec!["a".to_owned(), "b".to_owned(), "c".to_owned()]]
    );
}

#[test]
fn the_check_counts_modules_named_in_a_macro_call() {
    let graph = scratch_graph(
        "macro",
        &[
            ("lib.rs", "pub mod families;\n"),
            (
                "families/mod.rs",
                "macro_rules! families { ($($m:ident),*) => { $(mod $m;)* fn all() { $($m::SPEC;)* } } }\n\
                 families! { client_vpn }\npub struct FamilySpec;\n",
            ),
            (
                "families/client_vpn.rs",
                "pub const SPEC: super::FamilySpec = super::FamilySpec;\n",
            ),
        ],
    );
    assert_eq!(
        names(&graph.cycles()),
        vec![vec![
            "families".to_owned(),
            "families::client_vpn".to_owned()
        ]]
    );
}

#[test]
fn the_check_ignores_comments_strings_tests_and_ownership() {
    let graph = scratch_graph(
        "layered",
        &[
            (
                "lib.rs",
                "pub mod vocabulary;\npub mod store;\n/// see crate::store::Store\nfn f() {}\n",
            ),
            (
                "vocabulary.rs",
                "pub struct Word; // crate::store is above\n",
            ),
            (
                "store.rs",
                "use crate::vocabulary::Word;\n\
                 pub struct Store(Word);\n\
                 const S: &str = \"crate::store::Store\";\n\
                 fn g<'a>(x: &'a str) -> char { let _ = x; '\"' }\n\
                 #[cfg(test)]\nmod tests { use crate::store::*; fn t() { let _ = crate::lib_user(); } }\n",
            ),
        ],
    );
    assert!(
        graph.cycles().is_empty(),
        "{}",
        describe(&graph, &graph.cycles())
    );
    let store = vec!["store".to_owned()];
    let targets: Vec<_> = graph.edges[&store].keys().cloned().collect();
    assert_eq!(targets, vec![vec!["vocabulary".to_owned()]]);
}

fn assert_acyclic(root: &Path) {
    let graph = ModuleGraph::read(root);
    assert!(
        graph.files.len() > 3,
        "no modules read under {}",
        root.display()
    );
    let cycles = graph.cycles();
    assert!(
        cycles.is_empty(),
        "import cycles under {}:\n{}",
        root.display(),
        describe(&graph, &cycles)
    );
}

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

impl ModuleGraph {
    /// Reads every module file below a crate's source root. `main.rs` and `bin/` are crates of
    /// their own and are left out.
    fn read(root: &Path) -> ModuleGraph {
        let mut files = BTreeMap::new();
        collect_files(root, root, &mut files);
        let modules: BTreeSet<ModulePath> = files.keys().cloned().collect();
        let mut edges = BTreeMap::new();
        for (module, file) in &files {
            let source = fs::read_to_string(file)
                .unwrap_or_else(|err| panic!("cannot read {}: {err}", file.display()));
            let code = without_tests(&blank_comments_and_literals(&source));
            let mut targets: BTreeMap<ModulePath, Reference> = BTreeMap::new();
            for (path, offset) in referenced_paths(&code) {
                let Some(target) = resolve(module, &path, &modules) else {
                    continue;
                };
                if &target == module {
                    continue;
                }
                let line = code[..offset].matches('\n').count() + 1;
                targets.entry(target).or_insert(Reference {
                    file: file.clone(),
                    line,
                });
            }
            edges.insert(module.clone(), targets);
        }
        ModuleGraph { files, edges }
    }

    /// The strongly connected sets of more than one module (Tarjan's algorithm), each sorted.
    fn cycles(&self) -> Vec<Vec<ModulePath>> {
        struct Walk<'g> {
            graph: &'g ModuleGraph,
            index: BTreeMap<&'g ModulePath, usize>,
            low: BTreeMap<&'g ModulePath, usize>,
            stack: Vec<&'g ModulePath>,
            on_stack: BTreeSet<&'g ModulePath>,
            found: Vec<Vec<ModulePath>>,
        }
        impl<'g> Walk<'g> {
            fn visit(&mut self, module: &'g ModulePath) {
                let number = self.index.len();
                self.index.insert(module, number);
                self.low.insert(module, number);
                self.stack.push(module);
                self.on_stack.insert(module);
                for target in self.graph.edges[module].keys() {
                    if !self.index.contains_key(target) {
                        self.visit(target);
                        let low = self.low[module].min(self.low[target]);
                        self.low.insert(module, low);
                    } else if self.on_stack.contains(target) {
                        let low = self.low[module].min(self.index[target]);
                        self.low.insert(module, low);
                    }
                }
                if self.low[module] == self.index[module] {
                    let mut component = Vec::new();
                    while let Some(member) = self.stack.pop() {
                        self.on_stack.remove(member);
                        component.push(member.clone());
                        if member == module {
                            break;
                        }
                    }
                    if component.len() > 1 {
                        component.sort();
                        self.found.push(component);
                    }
                }
            }
        }
        let mut walk = Walk {
            graph: self,
            index: BTreeMap::new(),
            low: BTreeMap::new(),
            stack: Vec::new(),
            on_stack: BTreeSet::new(),
            found: Vec::new(),
        };
        for module in self.edges.keys() {
            if !walk.index.contains_key(module) {
                walk.visit(module);
            }
        }
        walk.found.sort();
        walk.found
    }
}

fn collect_files(root: &Path, dir: &Path, files: &mut BTreeMap<ModulePath, PathBuf>) {
    let entries =
        fs::read_dir(dir).unwrap_or_else(|err| panic!("cannot list {}: {err}", dir.display()));
    for entry in entries {
        let path = entry
            .unwrap_or_else(|err| panic!("cannot list {}: {err}", dir.display()))
            .path();
        let relative = path
            .strip_prefix(root)
            .unwrap_or_else(|_| panic!("{} is below {}", path.display(), root.display()));
        if path.is_dir() {
            if relative != Path::new("bin") {
                collect_files(root, &path, files);
            }
            continue;
        }
        if path.extension().is_none_or(|ext| ext != "rs") || relative == Path::new("main.rs") {
            continue;
        }
        let mut module: ModulePath = relative
            .with_extension("")
            .components()
            .map(|part| part.as_os_str().to_string_lossy().into_owned())
            .collect();
        if matches!(module.last().map(String::as_str), Some("mod" | "lib")) {
            module.pop();
        }
        files.insert(module, path);
    }
}

/// The source with comments, string and character literals replaced by spaces (newlines kept,
/// so offsets still give line numbers).
fn blank_comments_and_literals(source: &str) -> String {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let blank = |out: &mut String, c: char| out.push(if c == '\n' { '\n' } else { ' ' });
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                blank(&mut out, chars[i]);
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    blank(&mut out, chars[i]);
                    i += 1;
                }
            }
        } else if c == 'r' && matches!(next, Some('"' | '#')) && starts_literal(&chars, i) {
            // A raw string: r"…", r#"…"#, …
            let mut hashes = 0;
            let mut j = i + 1;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            let closing: String = std::iter::once('"')
                .chain((0..hashes).map(|_| '#'))
                .collect();
            let rest: String = chars[j + 1..].iter().collect();
            let end = rest.find(&closing).map_or(chars.len(), |at| {
                j + 1 + rest[..at].chars().count() + closing.len()
            });
            for &skipped in &chars[i..end] {
                blank(&mut out, skipped);
            }
            i = end;
        } else if c == '"' {
            blank(&mut out, c);
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    blank(&mut out, chars[i]);
                    i += 1;
                }
                if i < chars.len() {
                    blank(&mut out, chars[i]);
                    i += 1;
                }
            }
            if i < chars.len() {
                blank(&mut out, chars[i]);
                i += 1;
            }
        } else if c == '\'' {
            // A character literal ('x', '\n', '\u{1F600}') or a lifetime ('a).
            let length = if next == Some('\\') {
                chars
                    .get(i + 3..)
                    .and_then(|rest| rest.iter().position(|&ch| ch == '\''))
                    .map(|at| at + 4)
            } else if chars.get(i + 2) == Some(&'\'') {
                Some(3)
            } else {
                None
            };
            match length {
                Some(length) => {
                    for &skipped in &chars[i..(i + length).min(chars.len())] {
                        blank(&mut out, skipped);
                    }
                    i += length;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn ident_before(chars: &[char], i: usize) -> bool {
    i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_')
}

/// Whether the `r` at `i` opens a raw string (`r"`, `br"`) rather than ending a name.
fn starts_literal(chars: &[char], i: usize) -> bool {
    !ident_before(chars, i) || (chars[i - 1] == 'b' && !ident_before(chars, i - 1))
}

/// The code without items under `#[cfg(test)]` (test modules and test-only functions), blanked
/// so that offsets keep their lines.
fn without_tests(code: &str) -> String {
    let mut out: Vec<char> = code.chars().collect();
    let text: String = out.iter().collect();
    let marker = "#[cfg(test)]";
    let mut search_from = 0;
    while let Some(found) = text[search_from..].find(marker) {
        let start = search_from + found;
        let chars_start = text[..start].chars().count();
        let mut i = chars_start;
        let mut depth = 0usize;
        // The item ends at its first `;` outside braces, or at the brace closing its body.
        while i < out.len() {
            match out[i] {
                '{' => depth += 1,
                '}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        i += 1;
                        break;
                    }
                }
                ';' if depth == 0 => {
                    i += 1;
                    break;
                }
                _ => {}
            }
            i += 1;
        }
        let end = i.min(out.len());
        for c in &mut out[chars_start..end] {
            if *c != '\n' {
                *c = ' ';
            }
        }
        search_from = start + marker.len();
    }
    out.into_iter().collect()
}

/// Every path the code names, with the byte offset where it starts: each leaf of a `use` tree
/// as a whole path, and every other `a::b::c` path.
fn referenced_paths(code: &str) -> Vec<(Vec<String>, usize)> {
    let tokens = tokenize(code);
    let mut paths = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if tokens[i].text == "use" {
            let offset = tokens[i].offset;
            let mut j = i + 1;
            let mut leaves = Vec::new();
            parse_use_tree(&tokens, &mut j, Vec::new(), &mut leaves);
            paths.extend(leaves.into_iter().map(|leaf| (leaf, offset)));
            i = j.max(i + 1);
            continue;
        }
        let invokes_macro = is_ident(&tokens[i].text)
            && tokens.get(i + 1).is_some_and(|t| t.text == "!")
            && tokens
                .get(i + 2)
                .is_some_and(|t| matches!(t.text.as_str(), "{" | "(" | "["));
        if invokes_macro {
            // A macro's input is not parsed as paths, yet what it names is used by the code it
            // expands to (`families! { ClientVpn => client_vpn }` refers to the module
            // `client_vpn`): each name in it counts as a one-segment path.
            let mut depth = 0usize;
            let mut j = i + 2;
            while let Some(token) = tokens.get(j) {
                match token.text.as_str() {
                    "{" | "(" | "[" => depth += 1,
                    "}" | ")" | "]" => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    text if is_ident(text) && tokens[j - 1].text != "::" => {
                        paths.push((vec![text.to_owned()], token.offset));
                    }
                    _ => {}
                }
                j += 1;
            }
            i += 2;
            continue;
        }
        let starts_path = is_ident(&tokens[i].text)
            && tokens.get(i + 1).is_some_and(|t| t.text == "::")
            && (i == 0 || tokens[i - 1].text != "::");
        if starts_path {
            let offset = tokens[i].offset;
            let mut path = vec![tokens[i].text.clone()];
            let mut j = i + 1;
            while tokens.get(j).is_some_and(|t| t.text == "::")
                && tokens.get(j + 1).is_some_and(|t| is_ident(&t.text))
            {
                path.push(tokens[j + 1].text.clone());
                j += 2;
            }
            paths.push((path, offset));
            i = j;
            continue;
        }
        i += 1;
    }
    paths
}

/// Parses one `use` tree from `tokens[*at]`, pushing each leaf path (prefix included).
fn parse_use_tree(
    tokens: &[Token],
    at: &mut usize,
    prefix: Vec<String>,
    leaves: &mut Vec<Vec<String>>,
) {
    let mut path = prefix;
    loop {
        let Some(token) = tokens.get(*at) else {
            leaves.push(path);
            return;
        };
        match token.text.as_str() {
            "{" => {
                *at += 1;
                loop {
                    match tokens.get(*at).map(|t| t.text.as_str()) {
                        None => return,
                        Some("}") => {
                            *at += 1;
                            return;
                        }
                        Some(",") => *at += 1,
                        Some(_) => parse_use_tree(tokens, at, path.clone(), leaves),
                    }
                }
            }
            "::" => *at += 1,
            text if is_ident(text) || text == "*" => {
                if text != "self" || path.is_empty() {
                    path.push(text.to_owned());
                }
                *at += 1;
                if tokens.get(*at).is_some_and(|t| t.text == "as") {
                    *at += 2;
                }
                if tokens.get(*at).is_none_or(|t| t.text != "::") {
                    leaves.push(path);
                    return;
                }
            }
            _ => {
                leaves.push(path);
                return;
            }
        }
    }
}

struct Token {
    text: String,
    offset: usize,
}

fn tokenize(code: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut chars = code.char_indices().peekable();
    while let Some((offset, c)) = chars.next() {
        if c.is_alphanumeric() || c == '_' {
            let mut text = c.to_string();
            while let Some(&(_, next)) = chars.peek() {
                if next.is_alphanumeric() || next == '_' {
                    text.push(next);
                    chars.next();
                } else {
                    break;
                }
            }
            tokens.push(Token { text, offset });
        } else if c == ':' && chars.peek().is_some_and(|&(_, next)| next == ':') {
            chars.next();
            tokens.push(Token {
                text: "::".to_owned(),
                offset,
            });
        } else if !c.is_whitespace() {
            tokens.push(Token {
                text: c.to_string(),
                offset,
            });
        }
    }
    tokens
}

fn is_ident(text: &str) -> bool {
    text.chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
}

/// The deepest module a path reaches from `module`, or `None` when it leaves the crate (another
/// crate, `std`, a local name).
fn resolve(
    module: &ModulePath,
    path: &[String],
    modules: &BTreeSet<ModulePath>,
) -> Option<ModulePath> {
    let (mut reached, rest): (ModulePath, &[String]) = match path.first().map(String::as_str) {
        Some("crate") => (Vec::new(), &path[1..]),
        Some("self") => (module.clone(), &path[1..]),
        Some("super") => {
            let mut base = module.clone();
            let mut rest = path;
            while rest.first().is_some_and(|part| part == "super") {
                base.pop();
                rest = &rest[1..];
            }
            (base, rest)
        }
        Some(first) => {
            let mut child = module.clone();
            child.push(first.to_owned());
            if !modules.contains(&child) {
                return None;
            }
            (child, &path[1..])
        }
        None => return None,
    };
    for part in rest {
        let mut deeper = reached.clone();
        deeper.push(part.clone());
        if modules.contains(&deeper) {
            reached = deeper;
        } else {
            break;
        }
    }
    Some(reached)
}

fn name(module: &ModulePath) -> String {
    if module.is_empty() {
        "crate".to_owned()
    } else {
        module.join("::")
    }
}

fn names(cycles: &[Vec<ModulePath>]) -> Vec<Vec<String>> {
    cycles
        .iter()
        .map(|cycle| cycle.iter().map(name).collect())
        .collect()
}

/// Each cycle as its modules and, for every edge inside it, where the reference stands.
fn describe(graph: &ModuleGraph, cycles: &[Vec<ModulePath>]) -> String {
    let mut text = String::new();
    for cycle in cycles {
        let members: BTreeSet<&ModulePath> = cycle.iter().collect();
        text.push_str(&format!(
            "cycle of {}: {}\n",
            cycle.len(),
            cycle.iter().map(name).collect::<Vec<_>>().join(", ")
        ));
        for from in cycle {
            for (to, reference) in &graph.edges[from] {
                if members.contains(to) {
                    text.push_str(&format!(
                        "  {} -> {}  ({}:{})\n",
                        name(from),
                        name(to),
                        reference.file.display(),
                        reference.line
                    ));
                }
            }
        }
    }
    text
}

/// The graph of a throwaway crate source tree, for the checker's own tests.
fn scratch_graph(label: &str, files: &[(&str, &str)]) -> ModuleGraph {
    let root = scratch_crate(label, files);
    let graph = ModuleGraph::read(&root);
    fs::remove_dir_all(&root).expect("remove the scratch crate");
    graph
}

fn scratch_crate(label: &str, files: &[(&str, &str)]) -> PathBuf {
    let root = std::env::temp_dir().join(format!(
        "awsassoc-module-layers-{}-{label}",
        std::process::id()
    ));
    if root.exists() {
        fs::remove_dir_all(&root).expect("remove an old scratch crate");
    }
    for (relative, content) in files {
        let path = root.join(relative);
        fs::create_dir_all(path.parent().expect("a scratch file has a folder"))
            .expect("create a scratch folder");
        fs::write(&path, content).expect("write a scratch file");
    }
    root
}
