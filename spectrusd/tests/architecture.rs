//! The daemon's imports obey `docs/architecture.md`'s "Allowed imports" table: every
//! `crate::<module>` path in `spectrusd/src` (outside test modules) names a module the table
//! allows for the importing module, the top-level modules import one another without a
//! cycle, and the event bus's files import one another one way only
//! (hub → registry → lanes → walk → slot → resume → out → wire).

// An integration test: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The event bus's files, each allowed to import only those after it.
const BUS_ORDER: &[&str] = &[
    "hub", "registry", "lanes", "walk", "slot", "resume", "out", "wire",
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `dir`, with its path relative to `src`.
fn files(dir: &Path, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("read src")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            let rel = p
                .strip_prefix(src())
                .expect("under src")
                .to_string_lossy()
                .replace('\\', "/");
            let text = std::fs::read_to_string(&p).expect("read a source file");
            out.push((rel, text));
        }
    }
}

/// The source without its test module (by convention the file's last item).
fn production(text: &str) -> &str {
    match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => text,
    }
}

/// Drops `//` comments (doc comments name modules freely).
fn code_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().map(|l| match l.find("//") {
        Some(i) => &l[..i],
        None => l,
    })
}

fn ident(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// The first segment of each item of a `{...}` group (`rest` starts after the `{`).
fn group_heads(rest: &str) -> Vec<&str> {
    let mut heads = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, c) in rest.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                heads.push(ident(rest[start..i].trim()));
                break;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                heads.push(ident(rest[start..i].trim()));
                start = i + 1;
            }
            _ => {}
        }
    }
    heads.retain(|h| !h.is_empty());
    heads
}

/// The first segment of every path starting with `prefix` in the production code.
fn paths_after(text: &str, prefix: &str) -> BTreeSet<String> {
    let code: Vec<&str> = code_lines(production(text)).collect();
    let code = code.join(" ");
    let mut out = BTreeSet::new();
    let mut rest = code.as_str();
    while let Some(i) = rest.find(prefix) {
        let before = rest[..i].chars().last();
        rest = &rest[i + prefix.len()..];
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
            continue; // `other_crate::…`, `super::super::…`: not this prefix
        }
        if let Some(group) = rest.strip_prefix('{') {
            out.extend(group_heads(group).into_iter().map(str::to_owned));
        } else if !ident(rest).is_empty() {
            out.insert(ident(rest).to_owned());
        }
    }
    out
}

/// The first path segment of every `crate::` path: `crate::a::b`, `crate::{a, b::c}`.
fn crate_imports(text: &str) -> BTreeSet<String> {
    paths_after(text, "crate::")
}

/// The `super::` imports of a file one level down a folder (`bus/hub.rs` → `lanes`).
fn sibling_imports(text: &str) -> BTreeSet<String> {
    paths_after(text, "super::")
}

/// The table: module → the modules it may import (read from `docs/architecture.md`).
fn allowed() -> BTreeMap<String, BTreeSet<String>> {
    let doc = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/architecture.md");
    let doc = std::fs::read_to_string(doc).expect("docs/architecture.md");
    let section = doc
        .split("\n### Allowed imports")
        .nth(1)
        .expect("docs/architecture.md has an \"### Allowed imports\" section");
    let mut table = BTreeMap::new();
    for line in section.lines().skip_while(|l| !l.starts_with('|')) {
        if !line.starts_with('|') {
            break;
        }
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let (Some(module), Some(may)) = (cells.get(1), cells.get(2)) else {
            continue;
        };
        let Some(module) = module.strip_prefix('`').and_then(|m| m.strip_suffix('`')) else {
            continue; // the header and its rule
        };
        let may: BTreeSet<String> = may
            .split(',')
            .map(|m| m.trim().trim_matches('`').to_owned())
            .filter(|m| !m.is_empty() && m != "—")
            .collect();
        table.insert(module.to_owned(), may);
    }
    assert!(!table.is_empty(), "the allowed-imports table is empty");
    table
}

fn top_module(rel: &str) -> String {
    let first = rel.split('/').next().unwrap_or(rel);
    first.trim_end_matches(".rs").to_owned()
}

/// Top-level module → the top-level modules it imports.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let mut all = Vec::new();
    files(&src(), &mut all);
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (rel, text) in &all {
        let top = top_module(rel);
        if top == "lib" || top == "main" {
            continue;
        }
        let deps = g.entry(top.clone()).or_default();
        for d in crate_imports(text) {
            if d != top {
                deps.insert(d);
            }
        }
    }
    g
}

#[test]
fn every_import_is_one_the_table_allows() {
    let table = allowed();
    let mut wrong = Vec::new();
    for (module, deps) in graph() {
        let Some(may) = table.get(&module) else {
            wrong.push(format!("`{module}` is missing from the table"));
            continue;
        };
        for d in deps.difference(may) {
            wrong.push(format!("{module} imports {d}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "imports docs/architecture.md does not allow:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn top_level_modules_import_one_another_without_a_cycle() {
    let g = graph();
    // Depth-first search with colours; reports the first cycle found.
    fn visit(
        n: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match state.get(n) {
            Some(2) => return None,
            Some(1) => {
                let at = path.iter().position(|p| p == n).unwrap_or(0);
                let mut cycle = path[at..].to_vec();
                cycle.push(n.to_owned());
                return Some(cycle);
            }
            _ => {}
        }
        state.insert(n.to_owned(), 1);
        path.push(n.to_owned());
        for d in g.get(n).into_iter().flatten() {
            if let Some(c) = visit(d, g, state, path) {
                return Some(c);
            }
        }
        path.pop();
        state.insert(n.to_owned(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in g.keys() {
        if let Some(cycle) = visit(n, &g, &mut state, &mut Vec::new()) {
            panic!("import cycle: {}", cycle.join(" → "));
        }
    }
}

#[test]
fn the_bus_imports_one_way_and_only_access_and_socket_below_it() {
    let mut all = Vec::new();
    files(&src().join("bus"), &mut all);
    assert!(!all.is_empty(), "no src/bus");
    for (rel, text) in &all {
        let name = rel.trim_start_matches("bus/").trim_end_matches(".rs");
        if name == "mod" {
            continue;
        }
        let rank = BUS_ORDER
            .iter()
            .position(|n| *n == name)
            .unwrap_or_else(|| panic!("bus/{name}.rs is not in BUS_ORDER"));
        for s in sibling_imports(text) {
            if let Some(r) = BUS_ORDER.iter().position(|n| *n == s) {
                assert!(
                    r > rank,
                    "bus/{name}.rs imports bus/{s}.rs, which is above it"
                );
            }
        }
        for c in crate_imports(text) {
            assert!(
                c == "access" || c == "bus" || c == "socket",
                "bus/{name}.rs imports crate::{c}; the bus may import only access and socket"
            );
        }
    }
}

#[test]
fn the_reader_finds_grouped_and_plain_paths() {
    let text = "use crate::{a, b::{c, d}};\nuse crate::{\n    e::f,\n    g,\n};\n\
                let x = crate::h::i();\nuse spectrus_proto::crate::n;\n// crate::j\n\
                #[cfg(test)]\nmod tests {\n use crate::z;\n}\n";
    let got: Vec<String> = crate_imports(text).into_iter().collect();
    assert_eq!(got, ["a", "b", "e", "g", "h"]);
}
