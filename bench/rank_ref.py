#!/usr/bin/python3
"""The references of `make bench ONLY=rank`, and the scoring of all three rankings.

    rank_ref.py OUT_DIR

Reads what bench/rank_bench wrote in OUT_DIR: corpus.jsonl (every paper: the day's and the
2014 page's), readers.jsonl (each reader's subject and five seeds) and paperboy.tsv
(paperboy's top 20 per reader). Ranks each reader's candidates (the day's papers but the
reader's own seeds, the same as paperboy's) with
  - LinearSVC, arxiv-sanity-lite's recipe (karpathy/arxiv-sanity-lite compute.py, serve.py
    svm_rank): TfidfVectorizer over title + abstract + authors, word 1-2 grams, sublinear tf,
    English stop words, max_features=20000, min_df=5, max_df=0.1, fitted on the whole corpus;
    LinearSVC(class_weight='balanced', C=0.1, tol=1e-6, max_iter=10000) with the seeds as
    positives and every other corpus paper as negatives; candidates by decision_function;
  - tf-idf cosine: the same vectors, candidates by cosine to the mean of the seeds' vectors;
and, because min_df=5 and max_df=0.1 are tuned for arxiv-sanity's tens of thousands of papers,
both again on vectors fitted with min_df=1, max_df=0.5 ("small-corpus" settings). A candidate
is relevant when its primary category is the reader's subject. The readers with verdicts
(5 likes and 15 "not for me") are scored apart; their verdicts leave the candidates, and
LinearSVC has them among its negatives as it has every other paper. Prints precision@10 and nDCG@10
(binary gains, log2 discount, ideal = min(10, relevant) hits) per method: the mean over
readers, per seed source, how many readers each method wins, the means again with lenient
labels (the subject among any of the candidate's categories), and paperboy against the best
reference (paired, with a 95% interval).
"""
import json
import math
import sys
import time

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

K = 10


def load(out):
    corpus = [json.loads(line) for line in open(out + "/corpus.jsonl", encoding="utf-8")]
    readers = [json.loads(line) for line in open(out + "/readers.jsonl", encoding="utf-8")]
    pb = {}
    for line in open(out + "/paperboy.tsv", encoding="utf-8"):
        name, rank, pid, score = line.rstrip("\n").split("\t")
        pb.setdefault(name, []).append((int(rank), pid, float(score)))
    pb = {k: [pid for _, pid, _ in sorted(v)] for k, v in pb.items()}
    return corpus, readers, pb


def vectorize(corpus, min_df, max_df):
    v = TfidfVectorizer(input="content", encoding="utf-8", decode_error="replace",
                        strip_accents="unicode", lowercase=True, analyzer="word",
                        stop_words="english", token_pattern=r"(?u)\b[a-zA-Z_][a-zA-Z0-9_]+\b",
                        ngram_range=(1, 2), max_features=20000, norm="l2", use_idf=True,
                        smooth_idf=True, sublinear_tf=True, max_df=max_df, min_df=min_df)
    text = [" ".join([p["title"], p["abstract"], " ".join(p["authors"])]) for p in corpus]
    return v.fit_transform(text).astype(np.float32)


def top(scores, cand):
    """The candidates' positions by score, best first; ties in the day's order."""
    s = scores[cand]
    order = np.lexsort((cand, -s))
    return [cand[i] for i in order[:K]]


def svm_rank(x, seeds, cand):
    y = np.zeros(x.shape[0], dtype=np.float32)
    y[seeds] = 1.0
    clf = LinearSVC(class_weight="balanced", verbose=False, max_iter=10000, tol=1e-6, C=0.1)
    clf.fit(x, y)
    return top(clf.decision_function(x), cand)


def cosine_rank(x, seeds, cand):
    q = np.asarray(x[seeds].mean(axis=0)).ravel()
    return top(np.asarray(x @ q).ravel(), cand)


def metrics(ranked, relevant):
    hits = [1 if r in relevant else 0 for r in ranked[:K]]
    dcg = sum(h / math.log2(i + 2) for i, h in enumerate(hits))
    ideal = sum(1 / math.log2(i + 2) for i in range(min(K, len(relevant))))
    return sum(hits) / K, (dcg / ideal if ideal else 0.0)


def main():
    out = sys.argv[1]
    corpus, readers, pb = load(out)
    pos = {p["id"]: i for i, p in enumerate(corpus)}
    day = np.array([i for i, p in enumerate(corpus) if p["set"] == "day"])
    t0 = time.time()
    xs = {"recipe": vectorize(corpus, 5, 0.1), "small-corpus": vectorize(corpus, 1, 0.5)}
    methods = ["paperboy"]
    for f in xs:
        methods += ["LinearSVC " + f, "tf-idf cosine " + f]
    res = {m: [] for m in methods}
    lenient = {m: [] for m in methods}
    missing = 0
    for r in readers:
        seeds = [pos[s] for s in r["seeds"]]
        labelled = set(seeds) | {pos[s] for s in r.get("dislikes", [])}
        cand = np.array([i for i in day if i not in labelled])
        relevant = {i for i in cand if corpus[i]["primary"] == r["subject"]}
        near = {i for i in cand if r["subject"] in corpus[i]["categories"]}
        ranked = {"paperboy": [pos[pid] for pid in pb.get(r["name"], []) if pid in pos]}
        missing += not ranked["paperboy"]
        for f, x in xs.items():
            # arxiv-sanity's negatives are every paper but the positives: the verdicts' too
            ranked["LinearSVC " + f] = svm_rank(x, seeds, cand)
            ranked["tf-idf cosine " + f] = cosine_rank(x, seeds, cand)
        for m in methods:
            res[m].append(metrics(ranked[m], relevant))
            lenient[m].append(metrics(ranked[m], near))
    t_ref = time.time() - t0

    main_idx = [i for i, r in enumerate(readers) if r["source"] in ("day", "2014")]
    verd_idx = [i for i, r in enumerate(readers) if r["source"] == "day+verdicts"]
    groups = [("all", main_idx),
              ("seeds held out of the day", [i for i, r in enumerate(readers) if r["source"] == "day"]),
              ("seeds from 2014", [i for i, r in enumerate(readers) if r["source"] == "2014"]),
              ("5 likes + 15 verdicts", verd_idx)]
    subjects = sorted({r["subject"] for r in readers})
    n = len(main_idx)
    print("readers: %d (%d subjects x 3 draws from the day, held out, + %d with seeds from "
          "the 2014 page), and %d more with 15 'not for me' verdicts beside their 5 likes; "
          "candidates: %d day papers minus the reader's labelled ones; relevant: primary "
          "category = the subject (%.1f per reader on average)"
          % (n, len(subjects), len(groups[2][1]), len(verd_idx), len(day),
             sum(sum(1 for i in day if corpus[i]["primary"] == readers[k]["subject"])
                 for k in main_idx) / max(n, 1)))
    print("references computed in %.1f s (scikit-learn)" % t_ref)
    for gname, idx in groups:
        if not idx:
            continue
        print("\n%-40s P@10    nDCG@10  readers won on nDCG@10 (ties shared)"
              % ("%s (%d readers)" % (gname, len(idx))))
        wins = {m: 0.0 for m in methods}
        for i in idx:
            best = max(res[m][i][1] for m in methods)
            top_m = [m for m in methods if res[m][i][1] == best]
            for m in top_m:
                wins[m] += 1 / len(top_m)
        for m in methods:
            p = sum(res[m][i][0] for i in idx) / len(idx)
            d = sum(res[m][i][1] for i in idx) / len(idx)
            print("  %-38s %.3f   %.3f    %5.1f" % (m, p, d, wins[m]))
    print("\nlenient labels (relevant when the subject is any of the candidate's categories, "
          "cross-lists included), all %d readers:" % n)
    for m in methods:
        print("  %-38s %.3f   %.3f" % (m, sum(lenient[m][i][0] for i in main_idx) / n,
                                      sum(lenient[m][i][1] for i in main_idx) / n))
    if missing:
        print("note: paperboy ranked nothing for %d readers" % missing)
    refs = methods[1:]
    if verd_idx:
        print()
        head_to_head(res, methods, verd_idx, "5 likes + 15 verdicts")
        alone = {readers[i]["name"]: i for i in main_idx}
        pairs = [(i, alone[readers[i]["name"].replace("+verdicts", "")]) for i in verd_idx
                 if readers[i]["name"].replace("+verdicts", "") in alone]
        if pairs:
            a = sum(res["paperboy"][i][1] for i, _ in pairs) / len(pairs)
            b = sum(res["paperboy"][j][1] for _, j in pairs) / len(pairs)
            print("paperboy with the verdicts vs the same readers' 5 likes alone: nDCG@10 %.3f "
                  "vs %.3f (%+.3f) on %d readers" % (a, b, a - b, len(pairs)))
    print()
    head_to_head(res, methods, main_idx, "all")
    # per subject, the three draws held out together
    print("\nnDCG@10 per subject (mean over its readers): paperboy / best LinearSVC / best cosine")
    line = []
    for s in subjects:
        idx = [i for i in main_idx if readers[i]["subject"] == s]
        a = sum(res["paperboy"][i][1] for i in idx) / len(idx)
        b = max(sum(res[m][i][1] for i in idx) / len(idx) for m in refs if m.startswith("LinearSVC"))
        c = max(sum(res[m][i][1] for i in idx) / len(idx) for m in refs if m.startswith("tf-idf"))
        line.append("%s %.2f/%.2f/%.2f" % (s, a, b, c))
    for i in range(0, len(line), 4):
        print("  " + "   ".join(line[i:i + 4]))


def head_to_head(res, methods, idx, gname):
    """paperboy against the best reference of the group (by mean nDCG@10), paired."""
    n = len(idx)
    mean = {m: sum(res[m][i][1] for i in idx) / n for m in methods}
    pmean = {m: sum(res[m][i][0] for i in idx) / n for m in methods}
    best = max(methods[1:], key=lambda m: mean[m])
    w = sum(1 for i in idx if res["paperboy"][i][1] > res[best][i][1])
    l = sum(1 for i in idx if res["paperboy"][i][1] < res[best][i][1])
    diff = [res["paperboy"][i][1] - res[best][i][1] for i in idx]
    mu = sum(diff) / n
    sd = math.sqrt(sum((d - mu) ** 2 for d in diff) / (n - 1)) if n > 1 else 0.0
    lo, hi = mu - 1.96 * sd / math.sqrt(n), mu + 1.96 * sd / math.sqrt(n)
    print("%s: paperboy vs the best reference (%s): nDCG@10 %.3f vs %.3f, P@10 %.3f vs %.3f; "
          "paperboy better on %d readers, worse on %d, equal on %d"
          % (gname, best, mean["paperboy"], mean[best], pmean["paperboy"], pmean[best], w, l,
             n - w - l))
    print("%s: paired difference in nDCG@10 %+.3f, 95%% interval %+.3f .. %+.3f (mean +- 1.96 "
          "standard errors over readers)" % (gname, mu, lo, hi))
    print("%s: verdict: on nDCG@10 paperboy %s the best reference; its mean is %s"
          % (gname, "BEATS" if lo > 0 else "is BELOW" if hi < 0 else "matches, within the noise,",
             "at least the best reference's" if mean["paperboy"] >= mean[best] - 1e-9
             else "below the best reference's"))

if __name__ == "__main__":
    main()
