/* The data check's compiled fast path (services/datasets/validate.py): each line of a chunk scanned once, in C,
 * for the common records of a family: prompt/completion, and text-only conversations in the forms
 * the family takes. It builds no Python objects for a record, only its counts
 * (input tokens, output tokens, quotes or colons, messages), the tuple the Python fast path
 * (services/datasets/fast.py) returns for the same record.
 *
 * It accepts only records that path accepts, with the same counts: anything else (another key, a
 * null where a value is needed, an escape in a key, a \u escape of a surrogate, a repeated key,
 * media, tools, a completion that may be blank) is left to the Python checks, which decide and say
 * what is wrong. tests/unit/test_scan.py holds the two against each other on every rule.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

enum { FORM_BLOCKS = 1, FORM_STRING = 2 };

typedef struct {
    int kind;          /* 0: prompt/completion, 1: conversation */
    long cpt;          /* characters per token */
    int non_empty;     /* a turn's text may not be empty */
    int content;       /* FORM_* bits: the forms a message's content may take */
    int system;        /* FORM_* bits: the forms the system may take */
    long system_blocks;/* the exact number of system blocks, or -1 */
    const char *version; /* the schemaVersion every record must have, or NULL: any string, or none */
    Py_ssize_t version_len;
    /* words that make Bedrock refuse a record wherever they appear, as JSON holds them */
    int reserved_count;
    const char *reserved[16];
    Py_ssize_t reserved_len[16];
    int any_case;
    char last[48]; /* the distinct last bytes of the words (in both cases) */
    int last_count;
} Spec;

static const Spec *SPEC; /* the spec of the scan running (one at a time: the GIL is held) */

typedef struct {
    const unsigned char *p;
    const unsigned char *end;
} Cur;

typedef struct {
    const unsigned char *start; /* the raw bytes between the quotes */
    Py_ssize_t len;
    long chars;                 /* code points, as Python's len() of the decoded string */
    int visible;                /* holds an ASCII character that is not whitespace */
    int escaped;                /* holds an escape */
    int unicode;                /* holds a \\u escape */
} Str;

/* ASCII[b]: 2 a printable ASCII character but space and DEL, 1 a space or DEL, 0 anything else (a
 * quote, a backslash, a control character, a byte of UTF-8) */
static unsigned char ASCII[256];

static void init_tables(void) {
    for (int b = 0x20; b < 0x7F; b++) ASCII[b] = 2;
    ASCII[' '] = 1;
    ASCII[0x7F] = 1;
    ASCII['"'] = 0;
    ASCII['\\'] = 0;
}

static inline void ws(Cur *c) {
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\r' || *c->p == '\n')) c->p++;
}

static inline int hexval(unsigned char h) {
    if (h >= '0' && h <= '9') return h - '0';
    if (h >= 'a' && h <= 'f') return h - 'a' + 10;
    if (h >= 'A' && h <= 'F') return h - 'A' + 10;
    return -1;
}

static inline unsigned char lower(unsigned char b) { return (b >= 'A' && b <= 'Z') ? (unsigned char)(b + 32) : b; }

static int reserved(const Str *s);

/* A JSON string at c->p (which must be a quote): 0 and *s filled, or -1 (not one we accept). */
static int string(Cur *c, Str *s) {
    const unsigned char *p = c->p, *end = c->end;
    if (p >= end || *p != '"') return -1;
    p++;
    s->start = p;
    s->chars = 0;
    s->visible = 0;
    s->escaped = 0;
    s->unicode = 0;
    for (;;) {
        /* a run of plain ASCII: printable characters and spaces, counted a run at a time */
        const unsigned char *run = p;
        unsigned char seen = 0;
        while (p < end && ASCII[*p]) seen |= ASCII[*p++];
        s->chars += p - run;
        if (seen & 2) s->visible = 1;
        if (p >= end) return -1;
        unsigned char b = *p;
        if (b == '"') break;
        if (b < 0x80) {
            if (b != '\\') return -1; /* a control character: not JSON */
            s->escaped = 1;
            if (p + 1 >= end) return -1;
            unsigned char e = p[1];
            if (e == 'u') {
                s->unicode = 1;
                if (p + 5 >= end) return -1;
                int h0 = hexval(p[2]), h1 = hexval(p[3]), h2 = hexval(p[4]), h3 = hexval(p[5]);
                if ((h0 | h1 | h2 | h3) < 0) return -1;
                int code = (h0 << 12) | (h1 << 8) | (h2 << 4) | h3;
                if (code >= 0xD800 && code <= 0xDFFF) return -1; /* surrogates: left to Python */
                if (code < 0x80 && code > 0x20 && code != 0x7F) s->visible = 1;
                p += 6;
            } else if (e == '"' || e == '\\' || e == '/') {
                s->visible = 1;
                p += 2;
            } else if (e == 'b' || e == 'f' || e == 'n' || e == 'r' || e == 't') {
                p += 2; /* \b is not whitespace to Python: counting it invisible only costs a fallback */
            } else {
                return -1;
            }
            s->chars++;
            continue;
        }
        /* UTF-8, strictly: no overlong forms, no surrogates, nothing past U+10FFFF */
        if (b >= 0xC2 && b <= 0xDF) {
            if (p + 1 >= end || (p[1] & 0xC0) != 0x80) return -1;
            p += 2;
        } else if (b >= 0xE0 && b <= 0xEF) {
            if (p + 2 >= end || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80) return -1;
            if (b == 0xE0 && p[1] < 0xA0) return -1;
            if (b == 0xED && p[1] > 0x9F) return -1;
            p += 3;
        } else if (b >= 0xF0 && b <= 0xF4) {
            if (p + 3 >= end || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80)
                return -1;
            if (b == 0xF0 && p[1] < 0x90) return -1;
            if (b == 0xF4 && p[1] > 0x8F) return -1;
            p += 4;
        } else {
            return -1;
        }
        s->chars++;
    }
    s->len = p - s->start;
    c->p = p + 1;
    if (SPEC->reserved_count && reserved(s)) return -1;
    return 0;
}

/* Whether the string holds one of the reserved words (or a \\u escape, which could spell one): then
 * the line is left to Python, whose careful checks say which word and where. */
static int reserved(const Str *s) {
    const Spec *spec = SPEC;
    if (s->unicode) return 1;
    const unsigned char *start = s->start, *end = s->start + s->len;
    for (int k = 0; k < spec->last_count; k++) {
        unsigned char mark = (unsigned char)spec->last[k];
        const unsigned char *p = start;
        while (p < end && (p = memchr(p, mark, (size_t)(end - p))) != NULL) {
            for (int w = 0; w < spec->reserved_count; w++) {
                Py_ssize_t n = spec->reserved_len[w];
                const unsigned char *word = (const unsigned char *)spec->reserved[w];
                if (word[n - 1] != mark || p - start < n - 1) continue;
                const unsigned char *at = p - (n - 1);
                Py_ssize_t i = 0;
                if (spec->any_case) {
                    while (i < n && lower(at[i]) == lower(word[i])) i++;
                } else {
                    while (i < n && at[i] == word[i]) i++;
                }
                if (i == n) return 1;
            }
            p++;
        }
    }
    return 0;
}

static inline int is(const Str *s, const char *word, Py_ssize_t n) {
    return !s->escaped && s->len == n && memcmp(s->start, word, (size_t)n) == 0;
}

static inline int literal(Cur *c, const char *word, Py_ssize_t n) {
    if (c->end - c->p < n || memcmp(c->p, word, (size_t)n) != 0) return 0;
    c->p += n;
    return 1;
}

/* ':' after a key, with the whitespace around it. */
static inline int colon(Cur *c) {
    ws(c);
    if (c->p >= c->end || *c->p != ':') return -1;
    c->p++;
    ws(c);
    return 0;
}

/* After a member: 1 another follows (','), 0 the object or array ends (close), -1 neither. */
static inline int next(Cur *c, unsigned char close) {
    ws(c);
    if (c->p >= c->end) return -1;
    if (*c->p == ',') {
        c->p++;
        ws(c);
        return 1;
    }
    if (*c->p == close) {
        c->p++;
        return 0;
    }
    return -1;
}

static inline long tokens(long chars, long cpt) { return (chars + cpt - 1) / cpt; }

/* [{"text": "..."}, ...]: the blocks' count, their tokens (each rounded up) and characters. */
static int blocks(Cur *c, long cpt, long *count, long *toks, long *chars) {
    *count = *toks = *chars = 0;
    if (c->p >= c->end || *c->p != '[') return -1;
    c->p++;
    ws(c);
    if (c->p < c->end && *c->p == ']') {
        c->p++;
        return 0;
    }
    for (;;) {
        if (c->p >= c->end || *c->p != '{') return -1;
        c->p++;
        ws(c);
        Str key, text;
        if (string(c, &key) || !is(&key, "text", 4) || colon(c) || string(c, &text)) return -1;
        ws(c);
        if (c->p >= c->end || *c->p != '}') return -1; /* exactly one key: text */
        c->p++;
        (*count)++;
        *toks += tokens(text.chars, cpt);
        *chars += text.chars;
        int more = next(c, ']');
        if (more < 0) return -1;
        if (!more) return 0;
    }
}

static int prompt_completion(Cur *c, const Spec *spec, long *t_in, long *t_out) {
    if (c->p >= c->end || *c->p != '{') return -1;
    c->p++;
    ws(c);
    int have_prompt = 0, have_completion = 0;
    for (;;) {
        Str key, value;
        if (string(c, &key) || colon(c)) return -1;
        if (is(&key, "prompt", 6) && !have_prompt) {
            if (string(c, &value)) return -1;
            have_prompt = 1;
            *t_in = tokens(value.chars, spec->cpt);
        } else if (is(&key, "completion", 10) && !have_completion) {
            if (string(c, &value) || !value.visible) return -1; /* it may be blank: Python decides */
            have_completion = 1;
            *t_out = tokens(value.chars, spec->cpt);
        } else {
            return -1;
        }
        int more = next(c, '}');
        if (more < 0) return -1;
        if (!more) break;
    }
    return have_prompt && have_completion ? 0 : -1;
}

static int messages(Cur *c, const Spec *spec, long *t_in, long *t_out, long *n) {
    if (c->p >= c->end || *c->p != '[') return -1;
    c->p++;
    ws(c);
    int form = 0; /* the content form of the first message: every other message must have it too */
    *n = 0;
    for (;;) {
        if (c->p >= c->end || *c->p != '{') return -1;
        c->p++;
        ws(c);
        int role = -1; /* 0 user, 1 assistant */
        int have_content = 0;
        long toks = 0, chars = 0;
        for (;;) {
            Str key;
            if (string(c, &key) || colon(c)) return -1;
            if (is(&key, "role", 4) && role < 0) {
                Str value;
                if (string(c, &value)) return -1;
                if (is(&value, "user", 4))
                    role = 0;
                else if (is(&value, "assistant", 9))
                    role = 1;
                else
                    return -1;
            } else if (is(&key, "content", 7) && !have_content) {
                have_content = 1;
                if (c->p < c->end && *c->p == '"') {
                    if (!(spec->content & FORM_STRING) || (form && form != FORM_STRING)) return -1;
                    form = FORM_STRING;
                    Str value;
                    if (string(c, &value)) return -1;
                    toks = tokens(value.chars, spec->cpt);
                    chars = value.chars;
                } else {
                    if (!(spec->content & FORM_BLOCKS) || (form && form != FORM_BLOCKS)) return -1;
                    form = FORM_BLOCKS;
                    long count;
                    if (blocks(c, spec->cpt, &count, &toks, &chars) || count < 1) return -1;
                }
            } else {
                return -1;
            }
            int more = next(c, '}');
            if (more < 0) return -1;
            if (!more) break;
        }
        if (role < 0 || !have_content) return -1;
        if (role != (int)(*n % 2)) return -1; /* the user first, then turn about */
        if (spec->non_empty && chars == 0) return -1;
        if (role == 0)
            *t_in += toks;
        else
            *t_out += toks;
        (*n)++;
        int more = next(c, ']');
        if (more < 0) return -1;
        if (!more) break;
    }
    return (*n >= 2 && *n % 2 == 0) ? 0 : -1;
}

static int conversation(Cur *c, const Spec *spec, long *t_in, long *t_out, long *n) {
    if (c->p >= c->end || *c->p != '{') return -1;
    c->p++;
    ws(c);
    int have_messages = 0, have_system = 0, have_version = 0;
    for (;;) {
        Str key;
        if (string(c, &key) || colon(c)) return -1;
        if (is(&key, "messages", 8) && !have_messages) {
            have_messages = 1;
            if (messages(c, spec, t_in, t_out, n)) return -1;
        } else if (is(&key, "system", 6) && !have_system) {
            have_system = 1;
            if (literal(c, "null", 4)) {
                /* no system */
            } else if (c->p < c->end && *c->p == '"') {
                Str value;
                if (!(spec->system & FORM_STRING) || string(c, &value)) return -1;
                *t_in += tokens(value.chars, spec->cpt);
            } else {
                long count, toks, chars;
                if (!(spec->system & FORM_BLOCKS) || blocks(c, spec->cpt, &count, &toks, &chars)) return -1;
                if (spec->system_blocks >= 0 && count != spec->system_blocks) return -1;
                *t_in += toks;
            }
        } else if (is(&key, "schemaVersion", 13) && !have_version) {
            have_version = 1;
            if (literal(c, "null", 4)) {
                if (spec->version != NULL) return -1;
            } else {
                Str value;
                if (string(c, &value)) return -1;
                if (spec->version != NULL && !is(&value, spec->version, spec->version_len)) return -1;
            }
        } else {
            return -1;
        }
        int more = next(c, '}');
        if (more < 0) return -1;
        if (!more) break;
    }
    if (!have_messages) return -1;
    if (spec->version != NULL && !have_version) return -1;
    return 0;
}

static Py_ssize_t count_byte(const char *p, Py_ssize_t n, char b) {
    Py_ssize_t k = 0;
    const char *end = p + n;
    while ((p = memchr(p, b, (size_t)(end - p))) != NULL) {
        k++;
        p++;
    }
    return k;
}

static int parse_spec(PyObject *spec_tuple, Spec *spec, PyObject **words) {
    PyObject *version;
    if (!PyArg_ParseTuple(spec_tuple, "ilpiilOO!p", &spec->kind, &spec->cpt, &spec->non_empty, &spec->content,
                          &spec->system, &spec->system_blocks, &version, &PyTuple_Type, words, &spec->any_case))
        return -1;
    if (spec->cpt < 1) {
        PyErr_SetString(PyExc_ValueError, "characters per token must be at least 1");
        return -1;
    }
    spec->version = NULL;
    spec->version_len = 0;
    if (version != Py_None) {
        spec->version = PyUnicode_AsUTF8AndSize(version, &spec->version_len);
        if (spec->version == NULL) return -1;
    }
    Py_ssize_t count = PyTuple_GET_SIZE(*words);
    if (count > 16) {
        PyErr_SetString(PyExc_ValueError, "at most 16 reserved words");
        return -1;
    }
    spec->reserved_count = (int)count;
    spec->last_count = 0;
    for (Py_ssize_t w = 0; w < count; w++) {
        PyObject *word = PyTuple_GET_ITEM(*words, w);
        if (!PyBytes_Check(word) || PyBytes_GET_SIZE(word) < 1) {
            PyErr_SetString(PyExc_TypeError, "reserved words are non-empty bytes");
            return -1;
        }
        spec->reserved[w] = PyBytes_AS_STRING(word);
        spec->reserved_len[w] = PyBytes_GET_SIZE(word);
        char mark = spec->reserved[w][spec->reserved_len[w] - 1];
        int known = 0;
        for (int k = 0; k < spec->last_count; k++) known |= spec->last[k] == mark;
        if (!known) spec->last[spec->last_count++] = mark;
        if (spec->any_case && mark >= 'a' && mark <= 'z') spec->last[spec->last_count++] = (char)(mark - 32);
        if (spec->any_case && mark >= 'A' && mark <= 'Z') spec->last[spec->last_count++] = (char)(mark + 32);
    }
    return 0;
}

static int append_long(PyObject *list, long value) {
    PyObject *item = PyLong_FromLong(value);
    if (item == NULL) return -1;
    int failed = PyList_Append(list, item);
    Py_DECREF(item);
    return failed;
}

/* scan(lines, spec, colons, skip) -> (ins, outs, totals, turns, marks, most_in, most_out, most_total, left)
 * spec: (kind, chars per token, non-empty text, content forms, system forms, system blocks or -1,
 *        schema version or None, reserved words (bytes, as JSON holds them), any case).
 * For each accepted line, in order: its input, output and total tokens and its messages; marks: the
 * quotes (or, with colons, the colons) of the accepted lines; the largest counts; left: the indexes
 * of the lines left to Python (skip's too). */
static PyObject *scan(PyObject *self, PyObject *args) {
    PyObject *lines, *spec_tuple, *skip, *words;
    int colons;
    if (!PyArg_ParseTuple(args, "O!O!pO", &PyList_Type, &lines, &PyTuple_Type, &spec_tuple, &colons, &skip))
        return NULL;
    Spec spec;
    if (parse_spec(spec_tuple, &spec, &words)) return NULL;
    SPEC = &spec;
    int has_skip = skip != Py_None && PyObject_Length(skip) > 0;
    Py_ssize_t total = PyList_GET_SIZE(lines), marks = 0;
    long most_in = 0, most_out = 0, most_total = 0;
    PyObject *ins = PyList_New(0), *outs = PyList_New(0), *totals = PyList_New(0), *turns = PyList_New(0);
    PyObject *left = PyList_New(0);
    if (ins == NULL || outs == NULL || totals == NULL || turns == NULL || left == NULL) goto fail;
    for (Py_ssize_t i = 0; i < total; i++) {
        PyObject *line = PyList_GET_ITEM(lines, i);
        int ok = 0;
        long t_in = 0, t_out = 0, n = 0;
        if (has_skip) {
            PyObject *index = PyLong_FromSsize_t(i);
            if (index == NULL) goto fail;
            int skipped = PySequence_Contains(skip, index);
            Py_DECREF(index);
            if (skipped < 0) goto fail;
            if (skipped) goto reject;
        }
        if (!PyBytes_Check(line)) goto reject;
        const char *raw = PyBytes_AS_STRING(line);
        Py_ssize_t size = PyBytes_GET_SIZE(line);
        Cur c = {(const unsigned char *)raw, (const unsigned char *)raw + size};
        ws(&c);
        if (spec.kind == 0) {
            ok = prompt_completion(&c, &spec, &t_in, &t_out) == 0;
            n = 2;
        } else {
            ok = conversation(&c, &spec, &t_in, &t_out, &n) == 0;
        }
        if (ok) {
            ws(&c);
            ok = c.p == c.end; /* nothing after the record */
        }
        if (ok) {
            marks += count_byte(raw, size, colons ? ':' : '"');
            if (append_long(ins, t_in) || append_long(outs, t_out) || append_long(totals, t_in + t_out) ||
                append_long(turns, n))
                goto fail;
            if (t_in > most_in) most_in = t_in;
            if (t_out > most_out) most_out = t_out;
            if (t_in + t_out > most_total) most_total = t_in + t_out;
            continue;
        }
    reject: {
        PyObject *index = PyLong_FromSsize_t(i);
        if (index == NULL) goto fail;
        int failed = PyList_Append(left, index);
        Py_DECREF(index);
        if (failed) goto fail;
    }
    }
    SPEC = NULL;
    return Py_BuildValue("(NNNNnlllN)", ins, outs, totals, turns, marks, most_in, most_out, most_total, left);
fail:
    SPEC = NULL;
    Py_XDECREF(ins);
    Py_XDECREF(outs);
    Py_XDECREF(totals);
    Py_XDECREF(turns);
    Py_XDECREF(left);
    return NULL;
}

static PyMethodDef methods[] = {
    {"scan", scan, METH_VARARGS,
     "scan(lines, spec, colons, skip) -> (ins, outs, totals, turns, marks, most_in, most_out, most_total, left)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "services.datasets._scan", NULL, -1, methods};

PyMODINIT_FUNC PyInit__scan(void) {
    init_tables();
    return PyModule_Create(&module);
}
