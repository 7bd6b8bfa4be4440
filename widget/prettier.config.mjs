// Prettier's defaults; the line width (100) and indentation come from the repository's .editorconfig.
export default {};
