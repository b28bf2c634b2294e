// 比较: two BPMN versions side by side, their differences drawn (bpmn-js-differ), bundled by esbuild.
