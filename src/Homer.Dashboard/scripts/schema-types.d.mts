// Types of scripts/schema-types.mjs for the test that imports it.
export function sdlOf(markdown: string): string
export function renderSchemaTypes(markdown: string): string
export function generatedAndCommitted(): { generated: string; committed: string }
export const DOCUMENT: string
export const GENERATED: string
