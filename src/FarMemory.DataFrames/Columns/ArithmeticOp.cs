namespace FarMemory.DataFrames.Columns;

internal enum ArithmeticOp
{
    Add,
    Subtract,
    Multiply,
    Divide,
}
