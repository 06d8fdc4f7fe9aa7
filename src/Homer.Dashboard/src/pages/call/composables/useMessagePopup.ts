import { shallowRef } from 'vue'
import type { SipMessage } from '@/pages/search/api'

/** The message shown beside the call flow (call page and share page): Esc anywhere on the page closes it. */
export function useMessagePopup() {
  const popup = shallowRef<SipMessage | null>(null)

  function closeOnEscape(e: KeyboardEvent): void {
    if (e.key === 'Escape' && popup.value) {
      popup.value = null
      // Handled: an Esc that closed the message does nothing else.
      e.stopPropagation()
    }
  }

  return { popup, closeOnEscape }
}
