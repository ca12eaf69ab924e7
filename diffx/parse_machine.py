"""The parser of big programs in machine code: the same graph as diffx.parser, or a refusal.

diffx.parser reads a statement at about a microsecond a node; a program of a million nodes spends
most of its time there. This module reads the plain subset of the language from the program's
bytes in one pass: names, decimal numbers without exponent, ``+ - * / ^ **``, unary minus and
plus, parentheses, the constants ``pi`` and ``e``, calls of the op table's functions, ``name = ...`` statements separated by
``;`` or new lines, ``#`` comments, and a new line inside parentheses. It builds the nodes in the
order the general parser calls its builder (the same shunting-yard: the same precedences, the
same moments of reduction, a literal's negation folded into a constant), shares them as
GraphBuilder does, and so gives the same graph node for node.

Anything else it refuses, at the first sign, and builds nothing the caller keeps: a byte outside
the subset (vector notation, Unicode forms, ``2x``, ``1e-3``), a name of the op table used as a
value or assigned, a call of any other name (``ln``, the block functions), a number with more
than 15 significant digits or 22 decimals (where one division would not be its correctly rounded
double), and every error. The general parser then reads the program from the start, so every
message is its own.

The functions are plain Python over numpy arrays, written for numba: diffx.kernel_source copies
this file's text into the compiled tier's kernel, where they are compiled (and cached) with it;
run as they are here, they are the same algorithm at Python's speed, which the tests use.
Nothing here recurses: operators wait on an explicit stack, as in diffx.parser.
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
    """0, reading every array given. The hot helpers end with it, so that each of their array
    arguments is last read in their one exit block: numba releases a reference where it is
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


def parse_program(src, bin_code, bin_prec, bin_right, unary_prec, neg_code,
                  reserved, reserved_end, reserved_code, reserved_arity):
    """The program in ``src`` (its ASCII bytes) as flat arrays, or a refusal.

    ``bin_*``: per byte, the op code, precedence and right-associativity of a binary operator
    (``**`` reads as ``^``); ``reserved``: the op table's function names and the names left to
    the general parser, back to back (each one's end in ``reserved_end``), with their op code
    and arity (code -1: refused wherever it appears).

    Returns (refused at, op, A, B, inputs, constants' values, constants, name spans,
    statements): ``refused at`` is -1 for a program read, else the offset where it gave up
    (the arrays are then to be ignored); inputs: rows (node, name id); constants: rows (node,
    start, end, negated); name spans: (start, end) of each name's first use in ``src`` (ids
    past the reserved ones); statements: rows (name id or -1, node, offset).

    The arrays grow between statements, never inside :func:`_statements`: it counts the
    tokens of a statement against the room left (each adds at most one entry anywhere) and
    returns where a statement outgrows it; the arrays then grow by that statement's length in
    bytes and slack, a bound on its tokens. Offsets, nodes
    and names are int32: the source is below 2^31 bytes (diffx.parse_big sees to it).
    """
    n_reserved = reserved_end.size
    op = np.zeros(1024, np.uint8)
    A = np.full(1024, -1, np.int32)
    B = np.full(1024, -1, np.int32)
    first = np.full(1024, -1, np.int32)
    second = np.full(1024, -1, np.int32)
    node_table = np.full(1 << 6, -1, np.int64)  # a node's third and later users
    cval = np.zeros(16)
    cint = np.zeros((16, 4), np.int32)
    const_table = np.full(1 << 6, -1, np.int64)
    # names: (start, end) of the first use, hash, kind, node (a function's op code), arity
    spans = np.zeros((max(256, 2 * n_reserved), 2), np.int32)
    hashes = np.zeros(spans.shape[0], np.uint32)
    nkind = np.zeros(spans.shape[0], np.int8)
    nnode = np.zeros(spans.shape[0], np.int32)
    narity = np.zeros(spans.shape[0], np.int8)
    name_table = np.full(1 << 10, -1, np.int64)
    start = 0
    for k in range(n_reserved):
        end = reserved_end[k]
        h = _name_hash(reserved, start, end)
        slot, _ = _find_name(reserved, reserved, k, name_table, spans, hashes, start, end, h)
        name_table[slot] = k
        spans[k, 0], spans[k, 1], hashes[k] = start, end, h
        code = reserved_code[k]
        nkind[k] = N_FUNCTION if code >= 0 else N_CONSTANT if code == -2 else N_REFUSED
        nnode[k], narity[k] = (code if code >= 0 else -1), reserved_arity[k]
        start = end
    inputs = np.zeros((16, 2), np.int32)
    stmts = np.zeros((1024, 3), np.int32)
    # the operator stack (kind, precedence, op code or the called name's id, commas so far)
    # and the value stack
    stack = np.zeros((64, 4), np.int64)
    vals = np.zeros(64, np.int64)
    # counts: nodes, constants, names, inputs, statements, nodes in node_table
    count = np.zeros(6, np.int64)
    count[2] = n_reserved
    pos = 0
    while True:
        room = _statement_bytes(src, pos) + ROOM_SLACK
        nodes, n_consts, names, n_inputs, n_stmts, n_over = count
        if nodes + room > op.size:
            op = _grown(op, nodes + room)
            A = _grown(A, nodes + room, -1)
            B = _grown(B, nodes + room, -1)
            first = _grown(first, nodes + room, -1)
            second = _grown(second, nodes + room, -1)
        if 2 * (n_over + room) > node_table.size:
            old = node_table
            node_table = np.full(_power_of_two(2 * (n_over + room)), -1, np.int64)
            _rehash_nodes(old, node_table, op, A, B)
        if n_consts + room > cval.size:
            cval = _grown(cval, n_consts + room)
            cint = _grown(cint, n_consts + room)
        if 2 * (n_consts + room) > const_table.size:
            const_table = np.full(_power_of_two(2 * (n_consts + room)), -1, np.int64)
            _rehash_consts(const_table, cval, n_consts)
        if names + room > spans.shape[0]:
            spans = _grown(spans, names + room)
            hashes = _grown(hashes, names + room)
            nkind = _grown(nkind, names + room)
            nnode = _grown(nnode, names + room)
            narity = _grown(narity, names + room)
        if 2 * (names + room) > name_table.size:
            name_table = np.full(_power_of_two(2 * (names + room)), -1, np.int64)
            _rehash(name_table, hashes, names)
        inputs = _grown(inputs, n_inputs + room)
        stmts = _grown(stmts, n_stmts + room)
        stack = _grown(stack, room)
        vals = _grown(vals, room)
        pos = _statements(src, pos, reserved, n_reserved, bin_code, bin_prec, bin_right,
                          unary_prec, neg_code, op, A, B, first, second, node_table, cval,
                          cint, const_table, spans, hashes, nkind, nnode, narity, name_table,
                          inputs, stmts, stack, vals, count)
        if pos < 0:
            break
    refused = -2 - pos
    if refused < 0 and count[4] == 0:
        refused = 0  # nothing to differentiate: the general parser's message
    nodes, n_consts, names, n_inputs, n_stmts, _ = count
    for k in range(n_consts):  # a constant's A held its row while parsing
        A[cint[k, 0]] = -1
    for k in range(n_inputs):  # (and a named constant's a mark)
        A[inputs[k, 0]] = -1
    return (refused, op[:nodes], A[:nodes], B[:nodes], inputs[:n_inputs], cval[:n_consts],
            cint[:n_consts], spans[n_reserved:names], stmts[:n_stmts])


def _statements(src, pos, reserved, n_reserved, bin_code, bin_prec, bin_right, unary_prec,
               neg_code, op, A, B, first, second, node_table, cval, cint, const_table, spans,
               hashes, nkind, nnode, narity, name_table, inputs, stmts, stack, vals, count):
    """Read statements from ``pos`` on into the arrays while they have room for the tokens
    read; returns the offset of the statement that outgrew them (it is read again from there
    once the caller has made room for its length in bytes: the nodes, names and constants it
    had made are found again, as a repeated statement's are, so the graph is the same), -1 at
    the end of the program, or -2 - the offset where the machine parser gives up."""
    nodes, n_consts, names, n_inputs, n_stmts, n_over = count
    refused = -1
    # the tokens from pos on, BATCH at a time: the one standing at row j, with LOOK of them
    # always in (or the text's end)
    K = np.zeros(BATCH, np.uint8)
    S = np.zeros(BATCH, np.int32)
    E = np.zeros(BATCH, np.int32)
    m = tokens_into(src, pos, K, S, E, 0)
    j = -1
    while True:
        # what every array can still take, less the slack: reading a token adds at most one
        # node, name, constant, table entry or stack entry, so the statement stops for room
        # only at a token past this (no min(): the kernel's is the op table's, over floats)
        spare = op.size - nodes
        for left in (node_table.size // 2 - n_over, cval.size - n_consts,
                     const_table.size // 2 - n_consts, spans.shape[0] - names,
                     name_table.size // 2 - names, inputs.shape[0] - n_inputs,
                     stmts.shape[0] - n_stmts, stack.shape[0], vals.size):
            if left < spare:
                spare = left
        spare -= ROOM_SLACK
        tokens = 0
        short = False
        j += 1
        if j + LOOK > m:
            m, j = _refill(src, K, S, E, j, m), 0
        kind, s, e = K[j], S[j], E[j]
        while kind == T_SEP:
            j += 1
            if j + LOOK > m:
                m, j = _refill(src, K, S, E, j, m), 0
            kind, s, e = K[j], S[j], E[j]
        if kind == T_END:
            break
        stmt_at = s
        target_end = -1  # no target
        target_hash = np.uint64(0)
        if kind == T_NAME:
            if K[j + 1] == T_ASSIGN:
                target_hash = _name_hash(src, s, e)
                _, known = _find_name(src, reserved, n_reserved, name_table, spans, hashes, s, e,
                                      target_hash)
                if known >= 0:  # assigned twice, an input, a reserved name: an error
                    refused = s
                    break
                target_end = e
                j += 2
                if j + LOOK > m:
                    m, j = _refill(src, K, S, E, j, m), 0
                kind, s, e = K[j], S[j], E[j]
                if kind == T_SEP or kind == T_END:  # nothing after '='
                    refused = s
                    break
        expect = True
        depth = 0
        sp = 0
        vp = 0
        while True:
            tokens += 1
            if tokens > spare:
                short = True
                break
            if kind == T_SEP and depth > 0 and src[s] == 10:
                pass  # a new line inside parentheses continues the statement
            elif expect:
                if kind == T_NAME:
                    h = _name_hash(src, s, e)
                    slot, nid = _find_name(src, reserved, n_reserved, name_table, spans, hashes,
                                           s, e, h)
                    if K[j + 1] == T_LPAR:  # a call
                        if nid < 0 or nkind[nid] != N_FUNCTION or K[j + 2] == T_RPAR:
                            refused = s  # not a function, or f(): the general parser's error
                            break
                        stack[sp, 0], stack[sp, 1], stack[sp, 2], stack[sp, 3] = S_CALL, 0, nid, 0
                        sp += 1
                        depth += 1
                        j += 1  # (the '(': the next token is after it)
                    else:
                        if nid < 0:  # a new input, unless it is the target itself
                            if target_end >= 0 and h == target_hash and \
                                    e - s == target_end - stmt_at:
                                same = True
                                for k in range(e - s):
                                    if src[s + k] != src[stmt_at + k]:
                                        same = False
                                        break
                                if same:
                                    refused = s  # used in its own definition
                                    break
                            nid = names
                            names += 1
                            name_table[slot] = nid
                            spans[nid, 0], spans[nid, 1], hashes[nid] = s, e, h
                            nkind[nid] = N_INPUT
                            nnode[nid] = nodes
                            op[nodes] = INPUT_CODE
                            A[nodes] = -1
                            B[nodes] = -1
                            inputs[n_inputs, 0], inputs[n_inputs, 1] = nodes, nid
                            n_inputs += 1
                            nodes += 1
                        elif nkind[nid] == N_CONSTANT:
                            if nnode[nid] < 0:  # pi, e: a constant node at the first use
                                nnode[nid] = nodes
                                op[nodes] = CONST_CODE
                                A[nodes] = -2  # (a named constant: never folded with a '-')
                                B[nodes] = -1
                                inputs[n_inputs, 0], inputs[n_inputs, 1] = nodes, nid
                                n_inputs += 1
                                nodes += 1
                        elif nkind[nid] != N_ASSIGNED and nkind[nid] != N_INPUT:
                            refused = s  # a function without parentheses
                            break
                        vals[vp] = nnode[nid]
                        vp += 1
                        expect = False
                elif kind == T_NUM:
                    value = number_value(src, s, e)
                    if value < 0.0:
                        refused = s
                        break
                    vals[vp], nodes, n_consts = _const(value, s, e, 0, op, A, B, nodes,
                                                       const_table, cval, cint, n_consts)
                    vp += 1
                    expect = False
                elif kind == T_OP and e - s == 1 and (src[s] == 45 or src[s] == 43):
                    stack[sp, 0] = S_NEG if src[s] == 45 else S_POS
                    stack[sp, 1] = unary_prec
                    sp += 1
                elif kind == T_LPAR:
                    stack[sp, 0], stack[sp, 1] = S_PAREN, 0
                    sp += 1
                    depth += 1
                else:
                    refused = s
                    break
            elif kind == T_OP or kind == T_RPAR or kind == T_COMMA or kind == T_SEP or \
                    kind == T_END:
                # reduce: the operators that bind tighter than this one (or as tight, left
                # associative), or all of them up to a '(' or a call, or the whole stack
                c = 0
                prec = -1
                right = 0
                if kind == T_OP:
                    c = src[s] if e - s == 1 else 94  # '**' is '^'
                    prec = bin_prec[c]
                    right = bin_right[c]
                while sp > 0 and stack[sp - 1, 0] <= S_POS and (
                        prec < 0 or stack[sp - 1, 1] > prec or
                        (stack[sp - 1, 1] == prec and not right)):
                    sp -= 1
                    what = stack[sp, 0]
                    if what == S_BIN:
                        vp -= 1
                        vals[vp - 1], nodes, n_over = _node(
                            stack[sp, 2], vals[vp - 1], vals[vp], op, A, B, first, second,
                            node_table, n_over, nodes)
                    elif what == S_NEG:
                        x = vals[vp - 1]
                        if op[x] == CONST_CODE and A[x] >= 0:  # -3 is the constant -3
                            row = A[x]
                            vals[vp - 1], nodes, n_consts = _const(
                                -cval[row], cint[row, 1], cint[row, 2], 1 - cint[row, 3], op, A,
                                B, nodes, const_table, cval, cint, n_consts)
                        else:
                            vals[vp - 1], nodes, n_over = _node(
                                neg_code, x, -1, op, A, B, first, second, node_table, n_over,
                                nodes)
                    # (S_POS: unary plus changes nothing)
                if kind == T_OP:
                    stack[sp, 0], stack[sp, 1], stack[sp, 2] = S_BIN, prec, bin_code[c]
                    sp += 1
                    expect = True
                elif kind == T_RPAR:
                    if sp == 0:
                        refused = s
                        break
                    sp -= 1
                    depth -= 1
                    if stack[sp, 0] == S_CALL:
                        nid = stack[sp, 2]
                        if stack[sp, 3] + 1 != narity[nid]:
                            refused = s
                            break
                        if narity[nid] == 1:
                            vals[vp - 1], nodes, n_over = _node(
                                nnode[nid], vals[vp - 1], -1, op, A, B, first, second,
                                node_table, n_over, nodes)
                        else:
                            vp -= 1
                            vals[vp - 1], nodes, n_over = _node(
                                nnode[nid], vals[vp - 1], vals[vp], op, A, B, first, second,
                                node_table, n_over, nodes)
                elif kind == T_COMMA:
                    if sp == 0 or stack[sp - 1, 0] != S_CALL or \
                            stack[sp - 1, 3] + 1 >= narity[stack[sp - 1, 2]]:
                        refused = s
                        break
                    stack[sp - 1, 3] += 1
                    expect = True
                else:  # the statement's end
                    if sp > 0:  # a '(' never closed
                        refused = s
                        break
                    node = vals[vp - 1]
                    name_id = -1
                    if target_end >= 0:  # the target: a new name, bound to the node
                        slot, _ = _find_name(src, reserved, n_reserved, name_table, spans, hashes,
                                             stmt_at, target_end, target_hash)
                        name_id = names
                        names += 1
                        name_table[slot] = name_id
                        spans[name_id, 0], spans[name_id, 1] = stmt_at, target_end
                        hashes[name_id] = target_hash
                        nkind[name_id] = N_ASSIGNED
                        nnode[name_id] = node
                    stmts[n_stmts, 0], stmts[n_stmts, 1], stmts[n_stmts, 2] = \
                        name_id, node, stmt_at
                    n_stmts += 1
                    break
            else:  # '=' inside an expression, two operands in a row, a stray byte
                refused = s
                break
            j += 1
            if j + LOOK > m:
                m, j = _refill(src, K, S, E, j, m), 0
            kind, s, e = K[j], S[j], E[j]
        if short:  # (not the end: the caller makes room, and the statement is read again)
            kind = T_SEP
            break
        if refused >= 0 or kind == T_END:
            break
        pos = e
    count[0], count[1], count[2], count[3], count[4], count[5] = \
        nodes, n_consts, names, n_inputs, n_stmts, n_over
    if refused >= 0:
        return -2 - refused
    return -1 if kind == T_END else pos
