/**
 * Renders an on-screen SVG to a PNG download. CSS variables and stylesheet rules do not travel with a serialised
 * SVG, so each element's computed paint is copied inline on a clone first.
 */
const PAINT = ['fill', 'stroke', 'stroke-width', 'stroke-dasharray', 'opacity', 'font-size', 'font-weight', 'font-family'] as const

export function inlineStyles(source: SVGSVGElement): SVGSVGElement {
  const clone = source.cloneNode(true) as SVGSVGElement
  const from = [source, ...Array.from(source.querySelectorAll('*'))]
  const to = [clone, ...Array.from(clone.querySelectorAll('*'))]
  from.forEach((el, i) => {
    const style = getComputedStyle(el)
    const target = to[i] as SVGElement
    for (const p of PAINT) {
      const v = style.getPropertyValue(p)
      if (v) target.style.setProperty(p, v)
    }
  })
  return clone
}

export async function svgToPngBlob(svg: SVGSVGElement, scale = 2): Promise<Blob> {
  const width = Number(svg.getAttribute('width'))
  const height = Number(svg.getAttribute('height'))
  const text = new XMLSerializer().serializeToString(inlineStyles(svg))
  const url = URL.createObjectURL(new Blob([text], { type: 'image/svg+xml;charset=utf-8' }))
  try {
    const image = new Image()
    await new Promise<void>((resolve, reject) => {
      image.onload = () => resolve()
      image.onerror = () => reject(new Error('The browser could not render the diagram as an image'))
      image.src = url
    })
    const canvas = document.createElement('canvas')
    canvas.width = width * scale
    canvas.height = height * scale
    const ctx = canvas.getContext('2d')
    if (!ctx) throw new Error('No 2D canvas in this browser')
    ctx.scale(scale, scale)
    ctx.drawImage(image, 0, 0)
    return await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('The canvas could not be encoded as PNG'))), 'image/png'),
    )
  } finally {
    URL.revokeObjectURL(url)
  }
}

export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = name
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

export async function downloadSvgAsPng(svg: SVGSVGElement, name: string): Promise<void> {
  saveBlob(await svgToPngBlob(svg), name)
}
