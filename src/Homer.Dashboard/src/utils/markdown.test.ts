import { describe, expect, it } from 'vitest'
import { renderMarkdown } from './markdown'

describe('renderMarkdown', () => {
  it('renders headings, lists, emphasis, code and links', () => {
    expect(renderMarkdown('## On call\n\n- **Alice** `x`\n- *Bob*\n\nSee [runbook](https://wiki.example/rb).')).toBe(
      '<h4>On call</h4>\n<ul>\n<li><strong>Alice</strong> <code>x</code></li>\n<li><em>Bob</em></li>\n</ul>\n<p>See <a href="https://wiki.example/rb" target="_blank" rel="noopener noreferrer">runbook</a>.</p>',
    )
  })

  it('never lets markup or script through', () => {
    const html = renderMarkdown('<img src=x onerror=alert(1)> [x](javascript:alert(1))\n```\n<script>\n```')
    expect(html).not.toContain('<img')
    expect(html).not.toContain('<script')
    expect(html).not.toContain('href="javascript')
    expect(html).toContain('&lt;script&gt;')
  })
})
