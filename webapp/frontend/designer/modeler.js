// The designer's modeler (流程设计): bpmn-js Modeler, properties panel and lint, bundled by esbuild.
