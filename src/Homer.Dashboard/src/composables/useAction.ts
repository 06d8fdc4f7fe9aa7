import { computed, ref } from 'vue'
import { errorText } from '@/api/graphql'

/** The outcome of the last action, shown above the form: what was done, or why it failed. */
export interface ActionMessage {
  tone: 'ok' | 'error'
  text: string
}

/**
 * The create forms and row actions of a page (create, revoke, disable, save…): `busy` while one runs, so the page can
 * disable its buttons and show its progress bar, and its outcome in `message`; an error becomes the message instead
 * of an unhandled rejection.
 */
export function useAction() {
  const busy = ref(false)
  const message = ref<ActionMessage | null>(null)
  const error = computed(() => (message.value?.tone === 'error' ? message.value.text : null))

  /**
   * Runs one action; what it returns (if anything) is shown as done. With `confirm`, the user is asked first and a
   * "no" does nothing. Resolves to whether the action ran and succeeded, so a caller can clear its form.
   */
  async function run(action: () => Promise<string | void>, confirm?: string): Promise<boolean> {
    if (confirm !== undefined && !window.confirm(confirm)) return false
    busy.value = true
    message.value = null
    try {
      const done = await action()
      if (done) message.value = { tone: 'ok', text: done }
      return true
    } catch (e) {
      message.value = { tone: 'error', text: errorText(e) }
      return false
    } finally {
      busy.value = false
    }
  }

  /** A check before any request failed (an empty field): shown like an action's error. */
  function fail(text: string): void {
    message.value = { tone: 'error', text }
  }

  return { busy, message, error, run, fail }
}
