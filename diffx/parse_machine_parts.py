"""The machine parser's parts (diffx.parse_machine): its lexer, which fills arrays of tokens,
the decimal reader, and the open-addressed tables that share names, nodes and constants.

Plain Python over numpy arrays, written for numba, as diffx.parse_machine is:
diffx.kernel_source copies this file's text into the compiled tier's kernel before that one's
(whose import from here it leaves out: there the two share one namespace).
"""

import math

import numpy as np

# token kinds
T_NAME, T_NUM, T_OP, T_LPAR, T_RPAR, T_COMMA, T_ASSIGN, T_SEP, T_END, T_BAD = range(10)
# operator-stack entries
S_BIN, S_NEG, S_POS, S_PAREN, S_CALL = range(5)
# what a name is: not yet bound, assigned by a statement, an input, a function of the op
# table, a name this parser leaves to the general one, or a named constant (pi, e)
N_FREE, N_ASSIGNED, N_INPUT, N_FUNCTION, N_REFUSED, N_CONSTANT = range(6)
INPUT_CODE, CONST_CODE = 0, 1  # diffx.ops.INPUT and CONST
MAX_DIGITS = 15  # significant digits: below 2^53, so the integer is exact
ROOM_SLACK = 8  # room kept beyond a statement's tokens (its target, the end of the text)
POW10 = np.array([10.0 ** k for k in range(23)])  # exact doubles (10^22 is the last)


# the lexer's byte classes, and the token kind of each byte that is a token by itself
C_OTHER, C_LETTER, C_DIGIT, C_BLANK, C_HASH, C_DOT, C_STAR = range(7)
BLANKS = (32, 9, 13, 12, 11)  # space, tab, CR, form feed, vertical tab (not the new line)


def _byte_tables():
    cls = np.zeros(256, np.uint8)
    single = np.full(256, T_BAD, np.uint8)
    for c in range(256):
        if 97 <= c <= 122 or 65 <= c <= 90 or c == 95:
            cls[c] = C_LETTER
        elif 48 <= c <= 57:
            cls[c] = C_DIGIT
        elif c in BLANKS:
            cls[c] = C_BLANK
    cls[35], cls[46], cls[42] = C_HASH, C_DOT, C_STAR
    for c in (43, 45, 42, 47, 94):  # + - * / ^
        single[c] = T_OP
    single[40], single[41], single[44], single[61] = T_LPAR, T_RPAR, T_COMMA, T_ASSIGN
    single[59], single[10] = T_SEP, T_SEP  # ';' and the new line
    return cls, single


CLASS, SINGLE = _byte_tables()
LOOK = 3  # tokens the statement loop may look at from where it stands: kept in the buffer
# tokens lexed at a time, into arrays: a loop over the bytes that stores its tokens is about
# three times faster in machine code than a call returning each one (4 against 13 ms for 3 MB)
BATCH = 4096


def tokens_into(src, pos, kinds, starts, ends, m):
    """Lex from ``pos`` into the token arrays from row ``m`` until they are full or the text
    ends (its T_END stored); returns the rows then filled. Blanks and comments are skipped."""
    n = src.size
    while m < kinds.size:
        while pos < n:
            k = CLASS[src[pos]]
            if k == C_BLANK:
                pos += 1
            elif k == C_HASH:  # a comment, up to (not including) the new line
                while pos < n and src[pos] != 10:
                    pos += 1
            else:
                break
        if pos >= n:
            kinds[m], starts[m], ends[m] = T_END, n, n
            return m + 1
        k = CLASS[src[pos]]
        end = pos + 1
        if k == C_LETTER:
            while end < n and (CLASS[src[end]] == C_LETTER or CLASS[src[end]] == C_DIGIT):
                end += 1
            kind = T_NAME
        elif k == C_DIGIT or (k == C_DOT and end < n and CLASS[src[end]] == C_DIGIT):
            end = pos
            while end < n and CLASS[src[end]] == C_DIGIT:
                end += 1
            if end < n and src[end] == 46:
                end += 1
                while end < n and CLASS[src[end]] == C_DIGIT:
                    end += 1
            kind = T_NUM
            # an exponent, 2x, 2(x+1), 0x10, 1_000, 2.5.3: the general parser decides
            if end < n:
                k = CLASS[src[end]]
                if k == C_LETTER or k == C_DIGIT or k == C_DOT or src[end] == 40:
                    kind = T_BAD
        elif k == C_STAR and end < n and src[end] == 42:  # '**'
            end = pos + 2
            kind = T_OP
        else:
            kind = SINGLE[src[pos]]
        kinds[m], starts[m], ends[m] = kind, pos, end
        m += 1
        pos = end
    return m


def _refill(src, kinds, starts, ends, j, m):
    """The rows from ``j`` moved to the top and the arrays filled up behind them; returns the
    rows filled (unchanged where the text's end is already in)."""
    ended = m > 0 and kinds[m - 1] == T_END
    last = ends[m - 1] if m > 0 else 0
    for r in range(j, m):
        kinds[r - j], starts[r - j], ends[r - j] = kinds[r], starts[r], ends[r]
    if ended:
        return m - j
    return tokens_into(src, last, kinds, starts, ends, m - j)


def number_value(src, start, end):
    """The double nearest the decimal ``src[start:end]``, or -1.0 where one division of exact
    doubles would not give it (too many digits)."""
    m = 0
    digits = 0
    decimals = 0
    after_point = False
    for i in range(start, end):
        c = src[i]
        if c == 46:
            after_point = True
            continue
        if after_point:
            decimals += 1
        if digits or c != 48:
            digits += 1
        m = m * 10 + (int(c) - 48)
    if digits > MAX_DIGITS or decimals > 22:
        return -1.0
    return float(m) / POW10[decimals]



def _grown(arr, need, fill=0):
    """``arr`` itself when it holds ``need`` entries, else a copy twice as long (or more), the
    new entries ``fill``."""
    if need <= arr.shape[0]:
        return arr
    out = np.full((max(need, 2 * arr.shape[0]),) + arr.shape[1:], fill, arr.dtype)
    out[:arr.shape[0]] = arr
    return out


def _power_of_two(n):
    """The least power of two at least ``n`` (a hash table's size: its mask is size - 1)."""
    size = 64
    while size < n:
        size *= 2
    return size


def _name_hash(buf, start, end):
    h = np.uint64(14695981039346656037)
    for i in range(start, end):
        h = (h ^ np.uint64(buf[i])) * np.uint64(1099511628211)
    # (FNV's low bits alone depend on the bytes' low bits); 32 bits kept: a name table's
    # slot never needs more
    return (h ^ (h >> np.uint64(31))) & np.uint64(0xFFFFFFFF)


def _node_hash(code, a, b):
    h = np.uint64(code + 1) * np.uint64(0x9E3779B97F4A7C15)
    h = (h ^ np.uint64(a + 1)) * np.uint64(0xC2B2AE3D27D4EB4F)
    h = (h ^ np.uint64(b + 1)) * np.uint64(0x165667B19E3779F9)
    return h ^ (h >> np.uint64(29))


def _value_hash(value):
    m, ex = math.frexp(value)  # (-0.0 and 0.0 alike)
    q = np.int64(m * 9007199254740992.0)
    return (np.uint64(q & 0x7FFFFFFFFFFFFFFF) ^ np.uint64(ex + 4096)) * np.uint64(
        0x9E3779B97F4A7C15)


def _find_name(src, reserved, n_reserved, table, spans, hashes, start, end, h):
    """(slot, id) of the name ``src[start:end]`` in the open-addressed ``table``; id -1 where
    it is new (the slot is then free). Names below ``n_reserved`` are spans of ``reserved``."""
    mask = np.uint64(table.size - 1)
    j = h & mask
    length = end - start
    found = -1
    while True:
        i = table[j]
        if i < 0:
            break
        if hashes[i] == h and spans[i, 1] - spans[i, 0] == length:
            at = spans[i, 0]
            same = True
            for k in range(length):
                c = reserved[at + k] if i < n_reserved else src[at + k]
                if c != src[start + k]:
                    same = False
                    break
            if same:
                found = i
                break
        j = (j + np.uint64(1)) & mask
    return j, found + _held(src, reserved, table, spans, hashes)


def _held(*arrays):
    """0. The hot helpers call it at their one exit with every array they were given, so
    that each array's last use is in that exit block: numba releases a reference where it is
    last read, and a reference released inside one branch of a helper (not in the other)
    costs an atomic count and release per call, which took half of the parse's time."""
    return 0 * len(arrays[0]) if arrays else 0


def _rehash(table, hashes, count):
    mask = np.uint64(table.size - 1)
    table[:] = -1
    for i in range(count):
        j = hashes[i] & mask
        while table[j] >= 0:
            j = (j + np.uint64(1)) & mask
        table[j] = i


def _node(code, a, b, op, A, B, first, second, table, n_over, nodes):
    """(the node ``code(a, b)``, the count of nodes, the count in ``table``): an existing one
    if the same op was applied to the same arguments before, else a new one (the arrays have
    room for it). As in GraphBuilder, a node is looked for among the first two nodes anchored
    on its later argument (``first``, ``second``: a recent node, in cache), and only a third
    or later one in the hash ``table``."""
    anchor = a if a > b else b
    found = -1
    i = first[anchor]
    if i < 0:
        first[anchor] = nodes
    elif op[i] == code and A[i] == a and B[i] == b:
        found = i
    else:
        i = second[anchor]
        if i < 0:
            second[anchor] = nodes
        elif op[i] == code and A[i] == a and B[i] == b:
            found = i
        else:
            mask = np.uint64(table.size - 1)
            j = _node_hash(code, a, b) & mask
            while True:
                i = table[j]
                if i < 0:
                    table[j] = nodes
                    n_over += 1
                    break
                if op[i] == code and A[i] == a and B[i] == b:
                    found = i
                    break
                j = (j + np.uint64(1)) & mask
    if found < 0:
        op[nodes] = code
        A[nodes] = a
        B[nodes] = b
        found = nodes
        nodes += 1
    return found + _held(op, A, B, first, second, table), nodes, n_over


def _const(value, start, end, negated, op, A, B, nodes, table, cval, cint, n_consts):
    """(the constant ``value``'s node, nodes, constants): shared by value, as GraphBuilder.const
    does; a new one records its text (``src[start:end]``, with a '-' before it if
    ``negated``). While parsing, a constant node's A holds its constant's row."""
    mask = np.uint64(table.size - 1)
    j = _value_hash(value) & mask
    found = -1
    while True:
        i = table[j]
        if i < 0:
            break
        if cval[i] == value:
            found = cint[i, 0]
            break
        j = (j + np.uint64(1)) & mask
    if found < 0:
        table[j] = n_consts
        cval[n_consts] = value
        cint[n_consts, 0] = nodes
        cint[n_consts, 1] = start
        cint[n_consts, 2] = end
        cint[n_consts, 3] = negated
        op[nodes] = CONST_CODE
        A[nodes] = n_consts
        B[nodes] = -1
        found = nodes
        nodes += 1
        n_consts += 1
    return found + _held(op, A, B, table, cval, cint), nodes, n_consts


def _rehash_consts(table, cval, count):
    mask = np.uint64(table.size - 1)
    table[:] = -1
    for i in range(count):
        j = _value_hash(cval[i]) & mask
        while table[j] >= 0:
            j = (j + np.uint64(1)) & mask
        table[j] = i


def _rehash_nodes(old, table, op, A, B):
    mask = np.uint64(table.size - 1)
    table[:] = -1
    for i in old:
        if i >= 0:
            j = _node_hash(op[i], A[i], B[i]) & mask
            while table[j] >= 0:
                j = (j + np.uint64(1)) & mask
            table[j] = i


def _statement_bytes(src, pos):
    """The bytes from ``pos`` to the end of the next statement (blank statements before it
    included): a bound on the tokens, nodes and names reading it can add."""
    n = src.size
    i = pos
    depth = 0
    started = False
    while i < n:
        c = src[i]
        if c == 35:  # a comment, up to the new line
            while i < n and src[i] != 10:
                i += 1
            continue
        if c == 40:
            depth += 1
        elif c == 41:
            depth -= 1
        elif c == 59 or c == 10:  # ';' ends a statement anywhere, a new line outside '('
            if started and (c == 59 or depth <= 0):
                return i + 1 - pos
        elif CLASS[c] != C_BLANK:
            started = True
        i += 1
    return n - pos + 1
