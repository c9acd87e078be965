/* The fixed words paperboy writes (headings, labels, counts, the footer and the reader's links,
 * the digest's title, the default email subjects, the note of a day without announcement, the
 * page a feedback link opens) in
 * each language it knows, and the small {name} templates they and the subscriber's `subject`
 * are written in. One table in src/words.c, one column per language: adding a language is
 * adding a column. A language without a column gets English. */
#ifndef PAPERBOY_WORDS_H
#define PAPERBOY_WORDS_H

#include <stddef.h>

#include "paperboy/buf.h"

/* The words, by what they are for. Templates name their placeholders in braces; the comment
 * says which. */
enum pb_word {
	/* section headings */
	PB_W_SUMMARY,           /* "Executive Summary" */
	PB_W_CONTENTS,          /* "Table of Contents" */
	PB_W_PAPERS,            /* "Papers" */
	PB_W_MORE_PAPERS,       /* "More papers" (the HTML email's compact list) */
	/* per-paper labels (no colon: PB_W_COLON follows them) */
	PB_W_AUTHORS,
	PB_W_CATEGORIES,
	PB_W_TOPIC,             /* "Topic" */
	PB_W_TOPIC_LC,          /* "topic" inside a line */
	PB_W_ABSTRACT,
	PB_W_ANALYSIS,
	PB_W_FINDINGS,          /* "Key findings" */
	PB_W_FINDINGS_TITLE,    /* "Key Findings" (Markdown labels are title case) */
	PB_W_LINKS,
	PB_W_PUBLISHED,
	PB_W_REVISED,           /* the label of a new version, "(vN)" is added */
	PB_W_FIRST_SUBMITTED,   /* {date} */
	PB_W_ET_AL,             /* after the first authors: {n} authors in all */
	PB_W_WHY,               /* the label of the ranker's reason for a paper */
	/* counts; _1 is the singular */
	PB_W_N_PAPERS_1,        /* {n} */
	PB_W_N_PAPERS,          /* {n} */
	PB_W_N_OF_M,            /* {n} shown of {m} matching */
	PB_W_FOR,               /* {what} for subscriber {name} */
	PB_W_ANNOUNCED,         /* {what}, announced {date} */
	PB_W_NOT_SHOWN_1,       /* {n} more paper matched, not shown */
	PB_W_NOT_SHOWN,         /* {n} */
	PB_W_TOPIC_COUNT,       /* {topic} {n}: one topic's count in the not-shown list */
	PB_W_NO_PAPERS,         /* the empty digest's line */
	PB_W_ALL_OF_THEM,       /* before the link to the full list (all.md) */
	PB_W_MORE_ON_ARXIV,     /* {n}: the HTML email's compact list was cut */
	PB_W_ALL_HEADING,       /* {title}: the heading of all.md */
	PB_W_ALL_COUNT,         /* {papers} matched, {shown} shown */
	PB_W_ALL_COUNT_FOR,     /* {papers} matched for {name}, {shown} shown */
	/* footer */
	PB_W_UNSUB_LEAD,        /* before the settings/unsubscribe target in Markdown */
	PB_W_SETTINGS,          /* "Settings and unsubscribe" */
	PB_W_CHANGE_SETTINGS,   /* the text of the settings link */
	PB_W_REPLY_TO_CHANGE,   /* when there is no link */
	PB_W_RECEIVE,           /* the HTML footer's first sentence */
	PB_W_RECEIVE_AS,        /* the same naming the subscriber {name} */
	/* the links of the web endpoint */
	PB_W_MORE_LIKE,         /* feedback: "More like this" */
	PB_W_NOT_FOR_ME,        /* feedback: "Not for me" */
	PB_W_MANAGE,            /* the manage page */
	PB_W_UNSUBSCRIBE,       /* the one-click unsubscribe */
	PB_W_BUTTON_MORE,       /* a chat's button under paper {n}: "{n}. more like this" */
	PB_W_BUTTON_LESS,       /* the same: "{n}. not for me" */
	/* the page of a feedback link; {paper} is the paper's id, {verdict} PB_W_MORE_LIKE or
	 * PB_W_NOT_FOR_ME */
	PB_W_FB_TITLE,          /* "Feedback": the page that asks */
	PB_W_FB_ASK,            /* "Mark {paper} as {verdict}?" */
	PB_W_FB_MARK,           /* its button */
	PB_W_FB_THANKS,         /* "Thank you": the page of a verdict recorded */
	PB_W_FB_MARKED,         /* "{paper} is marked {verdict}." */
	PB_W_FB_INSTEAD,        /* after it, the link's other verdict: "Mark it {verdict} instead?" */
	PB_W_FB_UNDO,           /* the button that takes a verdict back */
	PB_W_FB_UNDONE_TITLE,   /* the page of a verdict taken back */
	PB_W_FB_UNDONE,         /* its text: {paper} */
	PB_W_FB_NOTE,           /* what verdicts do */
	/* punctuation of the language */
	PB_W_COLON,             /* after a bold label: ":" */
	PB_W_LEAD,              /* after a label, before its value or a list: ": " */
	PB_W_CLAUSE_SEP,        /* between clauses: ", " */
	PB_W_LIST_SEP,          /* between items of a list: ", " */
	PB_W_LIST_AND,          /* before the last item: " and " */
	PB_W_STOP,              /* the end of a sentence: "." */
	/* the digest's title */
	PB_W_TITLE,             /* {categories} */
	PB_W_TITLE_ANY,         /* when no category is known */
	PB_W_TITLE_DATE,        /* {title} {date} */
	/* the email subject */
	PB_W_SUBJECT,           /* the default template, see summarize.h */
	PB_W_SUBJECT_NO_TOPICS, /* the default when no paper came with a topic */
	PB_W_SUBJECT_EMPTY,     /* the default for a digest without papers */
	/* the note of a day without an announcement */
	PB_W_NO_ANNOUNCEMENT,   /* {date} */
	/* a reader's topic (web page, bot answer) with terms side by side: {topic}, {pair} the
	 * two terms, {either} them joined by OR (pb_rule_side_by_side) */
	PB_W_SIDE_BY_SIDE,
	PB_W_COUNT
};

/* The word w in lang ("en", "zh", "zh-CN", "zh-TW", ...; NULL is English, case does not
 * matter), or its English form when lang has no column. Never NULL; a static string. */
const char *pb_word(const char *lang, enum pb_word w);

/* The tag of the column lang reads: "en" (also for a language without a column), "zh"
 * (Simplified Chinese: zh-CN, zh-Hans, zh-SG) or "zh-Hant" (Traditional Chinese: zh-TW,
 * zh-HK, zh-MO). For text written outside the table in the same language. A static string. */
const char *pb_words_column(const char *lang);

/* The language of what the words write for lang, as a document's lang attribute says it: lang
 * itself when its column is its language ("zh-TW", "en-GB"), the column's tag when lang has
 * none and reads English ("de", "pt-BR" give "en"); "en" for NULL or "". A static string, or
 * lang. */
const char *pb_words_lang(const char *lang);

/* Whether text (UTF-8) reads as English: its letters Latin (a few Greek ones, as mathematics
 * writes them, and a stray other one allowed) and its words English by the words a sentence
 * of English cannot do without ("the", "of", "and", "with", "we", ...), at least one in twenty
 * of them and at least one. A paper's title and abstract, to mark them lang="en" in a digest
 * whose own words are another language's: arXiv's are English almost always, not always. */
int pb_text_english(const char *text);

/* Appends tmpl with each {name} replaced by its value from vars, a NULL-terminated list of
 * name, value pairs (a NULL value is ""), "{{" and "}}" as single braces. A {name} not in vars
 * is written as it stands. */
void pb_template_put(struct pb_buf *b, const char *tmpl, const char *const *vars);

/* Checks a template against the placeholder names it may use (NULL-terminated): no control
 * character, every { closed by } with a known name, no stray }. Returns 0, or -1 with msg
 * naming the fault and its column (in characters, from 1). */
int pb_template_check(const char *tmpl, const char *const *names, char *msg, size_t n);

#endif
