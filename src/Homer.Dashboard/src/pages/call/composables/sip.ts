/** Pieces of one SIP line for display: what to emphasise (header names, Call-ID, tags, branch) and what not. */
export interface Token {
  text: string
  kind?: 'start' | 'name' | 'callid' | 'tag' | 'branch' | 'body'
}

/** Splits a SIP message into lines of tokens; the body (after the blank line) is kept plain. */
export function highlightSip(payload: string): Token[][] {
  const lines = payload.replace(/\r\n?/g, '\n').split('\n')
  let inBody = false
  return lines.map((line, i) => {
    if (inBody) return [{ text: line, kind: 'body' }]
    if (line === '') {
      inBody = i > 0
      return [{ text: '' }]
    }
    if (i === 0) return [{ text: line, kind: 'start' }]
    const colon = line.indexOf(':')
    if (colon <= 0) return [{ text: line }]
    const name = line.slice(0, colon)
    const rest = line.slice(colon)
    const tokens: Token[] = [{ text: name, kind: 'name' }]
    if (/^(call-id|i)$/i.test(name.trim())) {
      const m = /^(:\s*)(.*)$/.exec(rest)!
      tokens.push({ text: m[1]! }, { text: m[2]!, kind: 'callid' })
      return tokens
    }
    // tag=… and branch=… wherever they occur in the value.
    const re = /(;\s*)(tag|branch)=([^;,\s>]+)/gi
    let last = 0
    for (let m = re.exec(rest); m; m = re.exec(rest)) {
      const start = m.index + m[1]!.length
      if (start > last) tokens.push({ text: rest.slice(last, start) })
      tokens.push({ text: `${m[2]}=${m[3]}`, kind: m[2]!.toLowerCase() === 'tag' ? 'tag' : 'branch' })
      last = start + m[2]!.length + 1 + m[3]!.length
    }
    if (last < rest.length) tokens.push({ text: rest.slice(last) })
    return tokens
  })
}

export interface DiffLine {
  op: 'same' | 'add' | 'del'
  text: string
}

/** Line diff (longest common subsequence); SIP messages are a few dozen lines, so O(n·m) is fine. */
export function diffLines(a: string, b: string): DiffLine[] {
  const x = a.replace(/\r\n?/g, '\n').split('\n')
  const y = b.replace(/\r\n?/g, '\n').split('\n')
  const n = x.length
  const m = y.length
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0))
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--) lcs[i]![j] = x[i] === y[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!)
  const out: DiffLine[] = []
  let i = 0
  let j = 0
  while (i < n && j < m) {
    if (x[i] === y[j]) {
      out.push({ op: 'same', text: x[i]! })
      i++
      j++
    } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) out.push({ op: 'del', text: x[i++]! })
    else out.push({ op: 'add', text: y[j++]! })
  }
  while (i < n) out.push({ op: 'del', text: x[i++]! })
  while (j < m) out.push({ op: 'add', text: y[j++]! })
  return out
}
