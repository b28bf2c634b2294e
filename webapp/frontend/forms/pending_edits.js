// form-js's properties panel applies what is typed 300 ms after the last key (one undo step per word,
// not per key). 保存 / 检查 / 预览 right after typing must not miss those keys: this debounce service is
// form-js's own, and also keeps the edits still waiting, so that the page can apply them first.
import { debounce } from "min-dash";

const TIMEOUT = 300;

function FlushableDebounce() {
  const waiting = new Set();
  const factory = (fn) => {
    const debounced = debounce((...args) => {
      waiting.delete(debounced);
      fn(...args);
    }, TIMEOUT);
    const call = (...args) => {
      waiting.add(debounced);
      debounced(...args);
    };
    call.flush = () => debounced.flush();
    call.cancel = () => {
      waiting.delete(debounced);
      debounced.cancel();
    };
    return call;
  };
  factory.flushAll = () => [...waiting].forEach((debounced) => debounced.flush());
  return factory;
}

export const pendingEditsModule = {
  debounce: ["factory", FlushableDebounce],
};
