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
this file's text (after its parts', diffx.parse_machine_parts) into the compiled tier's
kernel, where they are compiled (and cached) with it; run as they are here, they are the same
algorithm at Python's speed, which the tests use.
Nothing here recurses: operators wait on an explicit stack, as in diffx.parser.
"""

import numpy as np

# (the kernel's copy leaves this import out: see diffx.kernel_source)
from .parse_machine_parts import (
    tokens_into, _refill, number_value, _grown, _power_of_two, _name_hash, _find_name, _rehash,
    _node, _const, _rehash_consts, _rehash_nodes, _statement_bytes, T_NAME, T_NUM, T_OP,
    T_LPAR, T_RPAR, T_COMMA, T_ASSIGN, T_SEP, T_END, S_BIN, S_NEG, S_POS, S_PAREN, S_CALL,
    N_ASSIGNED, N_INPUT, N_FUNCTION, N_REFUSED, N_CONSTANT, INPUT_CODE, CONST_CODE, ROOM_SLACK,
    LOOK, BATCH)


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
