//! A small fuzzy matcher for the channel switcher: the query's characters must appear in
//! order; consecutive runs, word starts and a prefix score higher.

/// The score of `candidate` for `query` (higher is better), or `None` if it does not match.
/// Case is ignored. An empty query matches everything with score 0.
pub fn score(query: &str, candidate: &str) -> Option<i64> {
    let q: Vec<char> = query
        .to_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if q.is_empty() {
        return Some(0);
    }
    let c: Vec<char> = candidate.to_lowercase().chars().collect();
    let mut qi = 0;
    let mut total = 0i64;
    let mut prev_match: Option<usize> = None;
    for (i, ch) in c.iter().enumerate() {
        if qi < q.len() && *ch == q[qi] {
            let mut s = 1;
            if prev_match.is_some_and(|p| p + 1 == i) {
                s += 5;
            }
            if i == 0 {
                s += 8;
            } else if !c[i - 1].is_alphanumeric() {
                s += 4;
            }
            total += s;
            prev_match = Some(i);
            qi += 1;
        }
    }
    (qi == q.len()).then(|| total - c.len() as i64 / 4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subsequences_match_and_better_ones_score_higher() {
        assert!(score("gnrl", "general").is_some());
        assert!(score("xyz", "general").is_none());
        let prefix = score("gen", "general").unwrap_or(i64::MIN);
        let scattered = score("gen", "off-topic-gaming-news").unwrap_or(i64::MIN);
        assert!(prefix > scattered);
        assert_eq!(score("", "anything"), Some(0));
        assert!(score("GEN", "General").is_some());
    }
}
