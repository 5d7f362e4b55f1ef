namespace Hodec.Models;

/// <summary>
/// A residual block whose inner channels can be pruned (Li et al. 2017): the output channels of <see cref="Producer"/>,
/// the matching channels of the batch norm <see cref="Norm"/> after it, and the input channels of
/// <see cref="Consumer"/>. Nothing else reads those channels (only a ReLU sits between), so the block's output, and
/// with it the residual addition, keeps its width.
/// </summary>
public interface IPrunableBlock
{
    /// <summary>Child name of the conv whose filters (output channels) are pruned, e.g. <c>conv1</c>.</summary>
    string Producer { get; }

    /// <summary>Child name of the batch norm over the producer's outputs, e.g. <c>bn1</c>.</summary>
    string Norm { get; }

    /// <summary>Child name of the conv that reads the pruned channels, e.g. <c>conv2</c>.</summary>
    string Consumer { get; }

    /// <summary>The inner width the architecture builds (what an unpruned block has).</summary>
    int InnerWidth { get; }
}
